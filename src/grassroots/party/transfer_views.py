"""Pages of 组织关系转接: outgoing and incoming lists, the detail page with the viewer's side's actions,
issuing (from the member page), registering a letter from outside, the introduction letter (print view
and PDF) and the public verification page behind its QR code. Thin: writes in party.transfers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.masking import mask
from grassroots.core.pages import (
    ActionForm,
    DateInput,
    PageListView,
    ServiceFormView,
    apply_service_error,
    get_visible,
    require_perm,
)
from grassroots.core.text import name_search_q

from . import transfers
from .choices import Gender, MemberStatus, OrgKind
from .filters import TransferFilters
from .forms import org_field
from .models import Member, PartyOrg, Transfer, TransferKind, TransferState
from .views import MemberFormMixin

SELECT = ("from_org__region", "to_org__region", "member")
STATE_BADGE = {
    "issued": "bg-blue-lt",
    "accepted": "bg-green-lt",
    "returned": "bg-orange-lt",
    "closed": "bg-teal-lt",
    "cancelled": "bg-secondary-lt",
}


def detail_url(t: Transfer) -> str:
    return reverse("party:transfer_detail", args=[t.pk])


# ------------------------------------------------------------------------------------------ lists
def _date(v) -> str:
    return v.strftime("%Y-%m-%d") if v else ""


class TransferListView(PageListView):
    """One side's transfers: outgoing (the sending org in the user's scope) or incoming."""

    model = Transfer
    direction = "out"
    template_name = "party/transfer_list.html"
    list_filters = TransferFilters
    select_related = SELECT
    ordering = ("-issued_on", "-id")
    export_columns = [
        Column("介绍信编号", "letter_no", width=14),
        Column("姓名", "display_name", width=10),
        Column("类型", "get_kind_display", width=12),
        Column("状态", "get_state_display", width=10),
        Column("转出组织", "from_name", width=28),
        Column("转入组织", "to_name", width=28),
        Column("开具日期", lambda t: _date(t.issued_on), width=12),
        Column("办理期限", lambda t: _date(t.deadline), width=12),
        Column("生效日期", lambda t: _date(t.transferred_on), width=12),
        Column("原因", "reason", width=20),
        Column("退回原因", "return_reason", width=24),
    ]

    def base_queryset(self):
        return super().base_queryset().filter(transfers.side_q(self.request.user, self.direction))

    @property
    def title(self):
        return "组织关系转出" if self.direction == "out" else "组织关系转入"

    @property
    def empty_hint(self):
        if self.direction == "out":
            return "在党员详情页点击“组织关系转接”开具介绍信后，转出记录会显示在这里。"
        return "其他党组织向本组织开具的转接、以及登记的平台外转入，会显示在这里。"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        base = self.base_queryset()
        today = timezone.localdate()
        ctx.update(
            direction=self.direction,
            today=today,
            state_badge=STATE_BADGE,
            open_count=base.filter(state=TransferState.ISSUED).count(),
            overdue_count=base.filter(state=TransferState.ISSUED, deadline__lt=today).count(),
            can_register=self.direction == "in" and ctx["can_change"],
        )
        return ctx


class OutgoingListView(TransferListView):
    direction = "out"


class IncomingListView(TransferListView):
    direction = "in"


# ------------------------------------------------------------------------------------------ detail
def _visible_transfer(user, pk: int) -> Transfer:
    return get_visible(
        Transfer, user, pk=pk, select_related=SELECT + ("issued_by", "accepted_by", "returned_by")
    )


def _person(t: Transfer) -> dict:
    """What the letter says about the person, masked (the letter and the page never show full IDs)."""
    m = t.member
    id_number = t.person_id_number or (m.id_number if m is not None else "")
    birth = t.person_birth_date or (m.birth_date if m is not None else None)
    age = None
    if birth:
        ref = t.issued_on or timezone.localdate()
        age = ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))
    return {
        "name": t.display_name,
        "gender": dict(Gender.choices).get(t.person_gender or (m.gender if m else ""), ""),
        "age": age,
        "id_masked": mask("id_number", str(id_number)) if id_number else "",
        "status": dict(MemberStatus.choices).get(t.person_status or (m.status if m else ""), ""),
    }


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class ReceiptForm(forms.Form):
    receipt_on = forms.DateField(label="回执日期", widget=DateInput(attrs={"class": "form-control"}))
    receipt_ref = forms.CharField(
        label="回执编号或说明", max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )


@login_required
def transfer_detail(request, pk: int):
    require_perm(request.user, "party.view")
    t = _visible_transfer(request.user, pk)
    return _render_detail(request, t)


def _render_detail(request, t: Transfer, *, forms_: dict | None = None, status: int = 200):
    user = request.user
    mine = transfers.sides(user, t, "view")
    actions = transfers.allowed_actions(user, t)
    forms_ = forms_ or {}
    ctx = {
        "t": t,
        "person": _person(t),
        "badge": STATE_BADGE.get(t.state, "bg-secondary-lt"),
        "sides": mine,
        "actions": actions,
        "member_visible": t.member_id is not None
        and Member.objects.visible_to(user).filter(pk=t.member_id).exists(),
        "from_visible": t.from_org_id is not None and "sender" in mine,
        "to_visible": t.to_org_id is not None and "receiver" in mine,
        "return_form": forms_.get("return") or ReturnForm(),
        "cancel_form": forms_.get("cancel") or CancelForm(),
        "receipt_form": forms_.get("receipt") or ReceiptForm(initial={"receipt_on": timezone.localdate()}),
        "valid_letter": transfers.letter_valid(t),
        "today": timezone.localdate(),
    }
    return render(request, "party/transfer_detail.html", ctx, status=status)


def _act(request, pk: int, name: str, form_class, call):
    require_perm(request.user, "party.change")
    t = _visible_transfer(request.user, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _render_detail(request, t, forms_={name: form}, status=400)
    try:
        call(t, form.cleaned_data if form is not None else {})
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if form is None:
            messages.error(request, exc.message)
            return _render_detail(request, t, status=exc.status)
        apply_service_error(form, exc)
        return _render_detail(request, t, forms_={name: form}, status=exc.status)
    return redirect(detail_url(t))


@login_required
@require_POST
def transfer_accept(request, pk: int):
    def call(t, data):
        transfers.accept_transfer(request.user, t)
        messages.success(request, "已接收，组织关系已转入本组织")

    return _act(request, pk, "accept", None, call)


@login_required
@require_POST
def transfer_return(request, pk: int):
    def call(t, data):
        transfers.return_transfer(request.user, t, reason=data["reason"])
        messages.success(request, "已退回转出党组织")

    return _act(request, pk, "return", ReturnForm, call)


@login_required
@require_POST
def transfer_cancel(request, pk: int):
    def call(t, data):
        transfers.cancel_transfer(request.user, t, reason=data.get("reason", ""))
        messages.success(request, "已撤销转接")

    return _act(request, pk, "cancel", CancelForm, call)


@login_required
@require_POST
def transfer_receipt(request, pk: int):
    def call(t, data):
        transfers.record_receipt(
            request.user, t, receipt_on=data["receipt_on"], receipt_ref=data["receipt_ref"]
        )
        messages.success(request, "已登记回执，转接办结")

    return _act(request, pk, "receipt", ReceiptForm, call)


# ------------------------------------------------------------------------------------------ issuing
class TargetOrgField(forms.CharField):
    """The receiving org typed as its code: any party org on the platform (a transfer crosses scopes;
    only the org's name and code are shown to the sender)."""

    def clean(self, value):
        value = (super().clean(value) or "").strip().split(" ")[0]
        if not value:
            return None
        org = PartyOrg.objects.filter(code=value).first()
        if org is None:
            raise forms.ValidationError(f"党组织编码“{value}”不存在")
        return org


class IssueForm(ActionForm):
    to_org = TargetOrgField(
        label="转入党组织（平台内）",
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "placeholder": "组织编码或名称",
                "list": "dl-targets",
                "autocomplete": "off",
                "hx-get": reverse_lazy("party:transfer_targets"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#dl-targets",
                "hx-include": "this",
            }
        ),
        help_text="转往平台外的党组织时留空，填写下面的平台外党组织",
    )
    outside_org_name = forms.CharField(label="平台外党组织名称", max_length=100, required=False)
    outside_org_address = forms.CharField(label="平台外党组织地址", max_length=200, required=False)
    reason = forms.CharField(label="转接原因", max_length=200, required=False)
    on = forms.DateField(label="开具日期", required=False, widget=DateInput(), help_text="留空为今天")


class MemberIssueView(MemberFormMixin, ServiceFormView):
    form_class = IssueForm
    template_name = "party/transfer_issue.html"
    submit_label = "开具介绍信"
    success_message = "已开具介绍信，党员处于转接中，待接收方办理"

    def get_title(self):
        return f"组织关系转接：{self.object.name}"

    def extra_context(self, form):
        return {"open_transfer": transfers.open_transfer(self.object), "params": transfers.transfer_params()}

    def success_url(self, obj):
        return detail_url(obj)

    def save(self, form):
        data = form.service_data()
        return transfers.issue_transfer(
            self.request.user,
            self.object,
            to_org=data.get("to_org"),
            outside_org_name=data.get("outside_org_name", ""),
            outside_org_address=data.get("outside_org_address", ""),
            reason=data.get("reason", ""),
            on=data.get("on"),
        )


@login_required
def transfer_targets(request):
    """Suggestions for the receiving org: name and code of orgs on the whole platform that may receive
    memberships (not functional, not party groups). Nothing else about them is shown."""
    require_perm(request.user, "party.change")
    q = next((v for v in request.GET.values() if v.strip()), "").strip().split(" ")[0]
    rows = []
    if q:
        qs = PartyOrg.objects.filter(is_functional=False).exclude(kind=OrgKind.GROUP)
        rows = qs.filter(name_search_q(q) | Q(code__istartswith=q)).order_by("depth", "path")[:20]
    return HttpResponse(
        format_html_join("", '<option value="{}">{}</option>', ((o.code, o.name) for o in rows))
    )


class IncomingForm(ActionForm):
    to_org = org_field(label="接收党组织")
    outside_org_name = forms.CharField(label="转出党组织（平台外）", max_length=100)
    outside_letter_no = forms.CharField(label="介绍信编号", max_length=40)
    issued_on = forms.DateField(label="介绍信开具日期", widget=DateInput())
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18)
    birth_date = forms.DateField(label="出生日期", required=False, widget=DateInput())
    phone = forms.CharField(label="手机号", max_length=11, required=False)
    status = forms.ChoiceField(label="党员类别", choices=MemberStatus.choices)
    joined_on = forms.DateField(label="入党日期", widget=DateInput())
    converted_on = forms.DateField(label="转正日期", required=False, widget=DateInput())
    reason = forms.CharField(label="转接原因", max_length=200, required=False)


class IncomingRegisterView(ServiceFormView):
    perm = "party.change"
    form_class = IncomingForm
    title = "登记平台外转入"
    submit_label = "登记转入"
    success_message = "已登记平台外转入，接收后将建立党员档案"

    def get_initial(self):
        return {"to_org": self.request.GET.get("org", ""), "status": MemberStatus.FULL}

    def breadcrumbs(self):
        return [("组织关系转入", reverse("party:transfers_in"))]

    def cancel_url(self):
        return reverse("party:transfers_in")

    def url_for(self, obj):
        return detail_url(obj)

    def save(self, form):
        data = form.service_data()
        to_org = data.pop("to_org")
        return transfers.register_incoming(self.request.user, to_org, **data)


# ------------------------------------------------------------------------------------------ letter
def _letter_transfer(request, pk: int) -> Transfer:
    """The letter is printed by the sending side (who issued it); the receiving side sees the detail."""
    require_perm(request.user, "party.view")
    t = _visible_transfer(request.user, pk)
    if (
        t.kind == TransferKind.IN
        or not t.token_hash
        or "sender" not in transfers.sides(request.user, t, "view")
    ):
        raise Http404
    return t


def _letter_context(request, t: Transfer) -> dict:
    return {
        "t": t,
        "person": _person(t),
        "verify_url": request.build_absolute_uri(transfers.verify_url(t)),
        "valid_until": t.valid_until,
    }


@login_required
def transfer_letter(request, pk: int):
    t = _letter_transfer(request, pk)
    from .letter import qr_svg

    ctx = _letter_context(request, t)
    ctx["qr"] = qr_svg(ctx["verify_url"])
    return render(request, "party/transfer_letter.html", ctx)


@login_required
def transfer_letter_pdf(request, pk: int):
    t = _letter_transfer(request, pk)
    from .letter import letter_pdf

    ctx = _letter_context(request, t)
    response = HttpResponse(letter_pdf(ctx), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transfer-{t.letter_no}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def transfer_verify(request, token: str):
    """Public page behind the letter's QR code: only the letter number, whether it is valid, its state,
    the issuing org's name and the member's masked name."""
    t = transfers.by_token(token)
    ctx = {"found": t is not None}
    if t is not None:
        ctx.update(
            letter_no=t.letter_no,
            valid=transfers.letter_valid(t),
            state=t.get_state_display(),
            issuer=t.from_org.name if t.from_org_id else "",
            masked_name=mask("name", t.person_name),
        )
    response = render(request, "party/transfer_verify.html", ctx, status=200 if t else 404)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
