"""Shared page machinery: scoped lists with search, filters, pagination and Excel export."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from .errors import ServiceError
from .excel import Column
from .personal import unmask
from .scoping import has_perm, perm_code
from .text import name_search_q


class ScopedListView(LoginRequiredMixin, TemplateView):
    """A list of one scoped model.

    Subclasses set `model`, `template_name`, and optionally `list_filters` (a core.listfilters
    declaration shared with the list's API endpoint; the page's filter form, query, empty state and
    export all follow from it), `select_related`, `export_columns`, `ordering`. Lists not yet
    declared that way use the older `filters` (GET name -> lookup), `search_fields` (name field,
    initials field) and `region_filter`: `?region=<code>` narrows to a subtree of the region tree.
    `?export=xlsx` downloads the current filtered list, masked, directly up to
    settings.EXPORT_SYNC_LIMIT rows and through a background job above (core/exports.py; every
    subclass with export columns is registered as an export kind when its class is defined).
    """

    model: Any = None  # a ScopedModel subclass (the plugin types `objects` per model; this is any of them)
    action = "view"
    paginate_by = 25
    list_filters: Any = None  # a core.listfilters.ListFilters subclass
    filters: dict[str, str] = {}
    search_fields: tuple[str, str] | None = ("name", "name_initials")
    select_related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("-id",)
    export_columns: list[Column] = []
    export_title = ""
    region_filter: str | None = None  # lookup to the Region for ?region=<code>
    export_kind = ""  # an explicitly registered core.exports kind; default list:<app>.<ClassName>

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None and not cls.export_kind:
            from . import exports

            exports.register_list_view(exports.list_kind(cls), cls)

    def get_export_columns(self) -> list[Column]:
        return list(self.export_columns)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_perm(request.user, perm_code(self.model, self.action)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        qs = self.model.objects.visible_to(self.request.user, self.action)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def filterset(self):
        """The parsed list filters of this request (once per request)."""
        if "_filterset" not in self.__dict__:
            self._filterset = self.list_filters(self.request.GET, self.request.user)
        return self._filterset

    def list_filter_form(self):
        """The page's filter form generated from `list_filters`, bound to the request and showing the
        declaration's own messages (the ones the API gives), not the form fields' — for list views
        that build their context themselves (PageListView does this already)."""
        from django.forms.utils import ErrorList

        form = self.list_filters.form_class()(self.request.GET or None, user=self.request.user)
        form.is_valid()
        form.errors.clear()
        form.errors.update({k: ErrorList([v]) for k, v in self.filterset().errors.items()})
        return form

    def applied_filters(self) -> dict:
        if self.list_filters is not None:
            return dict(self.filterset().raw)
        out = {}
        for name in list(self.filters) + ["q", "region"]:
            value = self.request.GET.get(name, "").strip()
            if value:
                out[name] = value
        return out

    def filter_queryset(self, qs):
        if self.list_filters is not None:
            q = self.filterset().conditions() if self.filterset().is_valid() else None
            return (qs.none() if q is None else qs.filter(q)).order_by(*self.ordering)
        params = self.applied_filters()
        for name, lookup in self.filters.items():
            if name in params:
                value = params[name]
                if value in ("true", "false"):
                    value = value == "true"
                qs = qs.filter(**{lookup: value})
        if "q" in params and self.search_fields:
            qs = qs.filter(name_search_q(params["q"], *self.search_fields))
        if "region" in params and self.region_filter is not None:
            from . import hooks

            node = (
                hooks.required("region_model")
                .objects.visible_to(self.request.user)
                .filter(code=params["region"])
                .first()
            )
            if node is None:
                return qs.none()
            lookup = f"{self.region_filter}__path__startswith" if self.region_filter else "path__startswith"
            qs = qs.filter(**{lookup: node.path})
        return qs.order_by(*self.ordering)

    def get_queryset(self):
        return self.filter_queryset(self.base_queryset())

    def get(self, request, *args, **kwargs):
        invalid = self.list_filters is not None and not self.filterset().is_valid()
        if request.GET.get("export") == "xlsx" and self.get_export_columns():
            if invalid:
                return bad_request("；".join(self.filterset().errors.values()))
            from . import exports

            return exports.export_or_queue(request, exports.list_kind(type(self)), self.export_params())
        response = super().get(request, *args, **kwargs)
        if invalid:
            response.status_code = 400  # the form shows which filter and why; no rows
        return response

    def export_params(self) -> dict:
        from . import exports

        return exports.request_params(self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        paginator = Paginator(self.get_queryset(), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        ctx.update(
            page_obj=page,
            object_list=page.object_list,
            filters=self.applied_filters(),
            querystring_without_page=querystring_without_page(self.request.GET),
            can_export=bool(self.export_columns),
            unmask_export_url=self.unmask_export_url(),
            can_change=has_perm(self.request.user, perm_code(self.model, "change")),
        )
        return ctx

    def unmask_export_url(self) -> str:
        from . import exports

        columns = self.get_export_columns() if self.export_columns else []
        return exports.unmask_url(self.request, exports.list_kind(type(self)), self.export_params(), columns)


@login_required
@require_POST
def unmask_view(request, model: str, pk: int, field: str):
    """HTMX endpoint behind the 查看 button: returns the plaintext, audited with the given purpose."""
    try:
        model_cls = apps.get_model(model)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    obj = model_cls.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    purpose = request.POST.get("purpose", "") or request.headers.get("HX-Prompt", "")
    if request.headers.get("HX-Prompt-URI-AutoEncoded") == "true":
        # htmx URI-encodes header values that are not Latin-1 (any Chinese purpose).
        from urllib.parse import unquote

        purpose = unquote(purpose)
    try:
        value = unmask(request.user, obj, field, purpose)
    except ServiceError as exc:
        return HttpResponse(
            format_html('<span class="text-danger">{}</span>', exc.message),
            status=exc.status if exc.status != 400 else 200,
        )
    return HttpResponse(format_html('<span class="fw-bold">{}</span>', value or "—"))


def querystring_without_page(query) -> str:
    """The current query string without ?page=, ending in "&" when not empty: the pager's links
    append page=N to it."""
    params = query.copy()
    params.pop("page", None)
    qs = params.urlencode()
    return (qs + "&") if qs else ""


def export_querystring(query) -> str:
    """The current query string with export=xlsx: the href of a page's Excel download button."""
    params = query.copy()
    params["export"] = "xlsx"
    return params.urlencode()


def bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message)


__all__ = ["ScopedListView", "Column", "unmask_view", "export_querystring", "querystring_without_page"]


def _serve_attachment(request, attachment, parent=None, *, via: str = ""):
    """Stream the file; every view writes an audit row (who, which file, scoped like its parent)."""
    from django.http import FileResponse

    from . import audit
    from .attachments import parent_of, path_of
    from .models import AuditAction

    path = path_of(attachment)
    if not path.exists():
        raise Http404("文件不存在")
    parent = parent if parent is not None else parent_of(attachment)
    region_path, org_path = audit.object_paths(parent) if parent is not None else ("", "")
    user = request.user if request.user.is_authenticated else None
    audit.record(
        AuditAction.UNMASK,
        attachment,
        user=user,
        purpose="查看附件" + via,
        object_repr=f"查看附件“{attachment.original_name}”（{parent or attachment.content_type}）",
        region_path=region_path or "",
        org_path=org_path or "",
    )
    response = FileResponse(
        path.open("rb"),
        content_type=attachment.mime,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_view(request, pk: int):
    """A file, for a user who can see the object it is attached to (else 404)."""
    from .attachments import parent_visible
    from .models import Attachment

    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if attachment is None or not parent_visible(request.user, attachment):
        raise Http404("文件不存在")
    return _serve_attachment(request, attachment)


def attachment_signed_view(request, token: str):
    """A file through a signed link (no login): the resident's tracking and evaluation pages."""
    from .attachments import read_signed, viewer_of
    from .models import Attachment

    link = read_signed(token)
    if link is None:
        raise Http404("链接无效或已过期")
    pk, viewer = link
    # A bound link works only for the viewer it was issued to (another browser or user gets 404).
    if viewer and viewer != viewer_of(request):
        raise Http404("链接无效或已过期")
    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404("链接无效或已过期")
    return _serve_attachment(request, attachment, via="（签名链接）")
