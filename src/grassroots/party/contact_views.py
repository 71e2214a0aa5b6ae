"""Pages of 组织找党员: the campaign (per-branch progress and the members out of contact), a member's
contact status and contact log. Thin: reads in contact.py, writes in services.py."""

from __future__ import annotations

from django.utils import timezone

from grassroots.core.excel import Column
from grassroots.core.pages import PageListView, ServiceFormView

from . import contact, services
from .forms import ContactFilterForm, ContactLogForm, ContactStatusForm
from .models import Member, MemberContact, PartyOrg
from .views import MemberFormMixin


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class ContactCampaignView(PageListView):
    model = Member
    template_name = "party/contact_campaign.html"
    title = "组织找党员"
    filter_form_class = ContactFilterForm
    filters = {"status": "contact__status"}
    select_related = ("party_org", "contact")
    ordering = ("last_seen", "party_org__path", "name", "id")
    empty_hint = "在党员详情页把外出流动或失去联系的党员登记为流动党员、失联党员后，会显示在这里。"
    export_title = "组织找党员"
    export_columns = [
        Column("姓名", "name", width=10),
        Column("所在党组织", "party_org.name", width=28),
        Column("联系状态", "contact.get_status_display", width=10),
        Column("起始日期", lambda m: _date(m.contact.since), width=12),
        Column("流入地或去向", "contact.destination", width=24),
        Column("联络人", "contact.contact_person", width=10),
        Column("联络电话", "contact.contact_phone", personal="phone", width=14),
        Column("最近联系上", lambda m: _date(m.contact.last_contact_on), width=12),
        Column("说明", "contact.note", width=30),
    ]

    def base_queryset(self):
        qs = super().base_queryset().filter(contact__status__in=contact.OUT_OF_CONTACT)
        return contact.with_reference(qs)

    def applied_filters(self):
        out = super().applied_filters()
        for name in ("org", "stale"):
            value = self.request.GET.get(name, "").strip()
            if value and (name != "stale" or value in ("true", "false")):
                out[name] = value
        return out

    def _org(self):
        code = self.request.GET.get("org", "").strip()
        if not code:
            return None
        return PartyOrg.objects.visible_to(self.request.user).filter(code=code).first() or False

    def filter_queryset(self, qs):
        params = self.applied_filters()
        org = self._org()
        if org is False:
            return qs.none()
        if org is not None:
            qs = qs.filter(party_org__path__startswith=org.path)
        if "stale" in params:
            cutoff = contact.months_before(timezone.localdate(), contact.stale_months())
            qs = (
                qs.filter(last_seen__lt=cutoff)
                if params["stale"] == "true"
                else qs.exclude(last_seen__lt=cutoff)
            )
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        org = self._org()
        rows, totals = contact.campaign_rows(self.request.user, org.path if org else "")
        ctx.update(
            branches=rows[:50],
            more_branches=max(len(rows) - 50, 0),
            totals=totals,
            months=contact.stale_months(),
            cutoff=totals["cutoff"],
        )
        return ctx


class ContactStatusView(MemberFormMixin, ServiceFormView):
    form_class = ContactStatusForm
    submit_label = "保存联系状态"
    success_message = "联系状态已更新"
    title = "联系状态：{object.name}"

    def get_initial(self):
        c = MemberContact.objects.filter(member=self.object).first()
        if c is None:
            return {"status": "normal"}
        return {
            "status": c.status,
            "since": c.since,
            "destination": c.destination,
            "contact_person": c.contact_person,
            "note": c.note,
        }

    def save(self, form):
        services.set_contact_status(self.request.user, self.object, **form.service_data())
        return self.object


class ContactLogView(MemberFormMixin, ServiceFormView):
    form_class = ContactLogForm
    submit_label = "保存联系记录"
    success_message = "联系记录已保存"
    title = "联系记录：{object.name}"

    def get_initial(self):
        return {"contacted_on": timezone.localdate()}

    def save(self, form):
        services.log_contact(self.request.user, self.object, **form.service_data())
        return self.object
