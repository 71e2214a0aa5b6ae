"""Building blocks for the HTML pages of the domain apps: scoped look-ups, list pages with a filter
form, and create/edit pages whose writes go through the app's services.

Views stay thin: a list declares its model, filters and export columns; a form page declares its
form and calls one service in `save()`. Service errors (Chinese messages) land on the form fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from .errors import ServiceError, problem_response
from .masking import mask
from .scoping import has_perm
from .views import ScopedListView

__all__ = [
    "get_visible",
    "require_perm",
    "scope_roots",
    "subtree_counts",
    "tree_pages",
    "tab_links",
    "PageListView",
    "FilterForm",
    "ActionForm",
    "DateInput",
    "ServiceForm",
    "ServiceFormView",
    "ScopedCodeField",
    "LookupInput",
    "apply_service_error",
    "htmx_error",
    "service_messages",
    "run_service",
    "run_verb",
]


def require_perm(user, perm: str) -> None:
    """Pages a user may not use at all don't exist for them (404, like out-of-scope objects)."""
    if not has_perm(user, perm):
        raise Http404


def get_visible(model, user, *, action: str = "view", select_related=(), **lookup):
    """The object matching `lookup` inside the user's scope, else 404."""
    qs = model.objects.visible_to(user, action)
    if select_related:
        qs = qs.select_related(*select_related)
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def scope_roots(model, user):
    """Top nodes of a treebeard MP tree as the user sees it: visible nodes whose parent isn't visible.

    Superusers get the real roots; everyone else the nodes of their assignments (one query).
    """
    qs = model.objects.visible_to(user)
    if user.is_superuser:
        return qs.filter(depth=1)
    steplen = model.steplen
    parent_visible = model.objects.visible_to(user).filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - steplen)
    )
    return qs.filter(~Exists(parent_visible) | Q(depth=1))


def subtree_counts(nodes, queryset, path_field: str, *, extra: dict | None = None) -> dict[str, dict]:
    """Counts of `queryset` rows under each node, one query per distinct node path length.

    `path_field` is the lookup to the tree path on the counted rows (e.g. "entrance__path").
    Returns {node path: {"n": count, **extra counts}}. No N+1: rows are grouped by their path prefix.
    """
    out: dict[str, dict] = {n.path: {"n": 0, **dict.fromkeys(extra or {}, 0)} for n in nodes}
    by_len: dict[int, list[str]] = {}
    for n in nodes:
        by_len.setdefault(len(n.path), []).append(n.path)
    for length, paths in by_len.items():
        cond = Q()
        for p in paths:
            cond |= Q(**{f"{path_field}__startswith": p})
        rows = (
            queryset.filter(cond)
            .order_by()
            .annotate(_prefix=Substr(path_field, 1, length))
            .values("_prefix")
            .annotate(n=Count("pk"), **(extra or {}))
        )
        for row in rows:
            prefix = row.pop("_prefix")
            if prefix in out:
                out[prefix] = row
    return out


def tree_pages(app: str, model, *, search, url_of, counted, decorate):
    """The two views of a scoped tree (regions, party organisations), for users with `<app>.view`:

    - the tree page (`<app>/tree.html`): the user's top nodes with their subtree counts
      (`counted(user, nodes)`), or the `search(user, q)` results, which `decorate(results)` marks up
      for the template; a single hit opens its page (`url_of(node)`);
    - HTMX (`<app>/_tree_nodes.html`): one node's visible children with their subtree counts.
    """
    perm = f"{app}.view"

    @login_required
    def tree(request):
        require_perm(request.user, perm)
        q = request.GET.get("q", "").strip()
        results = None
        if q:
            results = list(search(request.user, q))
            if len(results) == 1:
                return redirect(url_of(results[0]))
            decorate(results)
        roots = counted(request.user, list(scope_roots(model, request.user).order_by("path")))
        return render(request, f"{app}/tree.html", {"roots": roots, "q": q, "results": results})

    @login_required
    def tree_children(request, code: str):
        require_perm(request.user, perm)
        node = get_visible(model, request.user, code=code)
        children = list(model.objects.get_children(node).visible_to(request.user))
        return render(request, f"{app}/_tree_nodes.html", {"nodes": counted(request.user, children)})

    return tree, tree_children


def tab_links(tabs: list[tuple[str, str]], active: str) -> list[tuple[str, str, bool]]:
    """A tab bar for a template: (label, url, is the current page) of each (label, url name)."""
    return [(label, reverse(name), name == active) for label, name in tabs]


class PageListView(ScopedListView):
    """A ScopedListView with a filter form, a title, an empty state and a create button."""

    filter_form_class: Callable[..., forms.Form] | None = None  # a Form taking user=
    title = ""
    create_url_name: str | None = None
    empty_hint = ""
    tabs: list[tuple[str, str]] = []  # (label, url name) of sibling lists: the page's tab bar
    tab = ""  # the url name of this list among `tabs`
    # Dotted path of the app's Excel importer: when set, ?export=xlsx writes the import template's
    # columns (so an export can be edited and imported back); `export_columns` is the fallback.
    importer: str | None = None

    def get_export_columns(self):
        if self.importer:
            from django.utils.module_loading import import_string

            try:
                importer = import_string(self.importer)(self.request.user)
            except ImportError:
                importer = None
            if importer is not None:
                self.select_related = tuple(self.select_related) + tuple(importer.export_select)
                return importer.export_columns()
        return super().get_export_columns()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = None
        if self.filter_form_class is not None:
            form = self.filter_form_class(self.request.GET or None, user=self.request.user)
            form.is_valid()
        elif self.list_filters is not None:
            form = self.list_filter_form()
        if self.tabs:
            ctx["tabs"] = tab_links(self.tabs, self.tab)
        ctx.update(
            title=self.title,
            filter_form=form,
            create_url_name=self.create_url_name if ctx["can_change"] else None,
            empty_hint=self.empty_hint,
        )
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        ctx["export_querystring"] = params.urlencode()
        return ctx


class FilterForm(forms.Form):
    """Compact GET filter form; fields are optional and rendered small."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for f in self.fields.values():
            f.required = False
            _style(f)


def _style(field) -> None:
    w = field.widget
    if isinstance(w, forms.CheckboxInput):
        w.attrs.setdefault("class", "form-check-input")
    elif isinstance(w, forms.Select | forms.SelectMultiple) and not isinstance(
        w, forms.CheckboxSelectMultiple
    ):
        w.attrs.setdefault("class", "form-select")
    elif not isinstance(w, forms.CheckboxSelectMultiple):
        w.attrs.setdefault("class", "form-control")


class LookupInput(forms.TextInput):
    """A text input for a code, suggesting matches from a scoped look-up endpoint (datalist + htmx)."""

    def __init__(self, url: str, *, params: str = "", attrs=None):
        self.url, self.params = url, params
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        list_id = f"dl-{ctx['widget']['attrs'].get('id') or name}"
        url = reverse(self.url) + (f"?{self.params}" if self.params else "")
        ctx["widget"]["attrs"].update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": url,
                "hx-trigger": "input changed delay:300ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-include": "this",
            }
        )
        self.list_id = list_id
        return ctx

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html

        html = super().render(name, value, attrs, renderer)
        list_id = f"dl-{(attrs or {}).get('id') or name}"
        return format_html('{}<datalist id="{}"></datalist>', html, list_id)


class ScopedCodeField(forms.CharField):
    """A reference typed as a code (区划编码, 组织编码, 单位编码), resolved inside the user's scope."""

    def __init__(self, model, *, lookup: str = "code", levels=None, level_field="level", **kwargs):
        self.model, self.lookup, self.levels, self.level_field = model, lookup, levels, level_field
        self.user = None
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        value = value.strip().split(" ")[0]
        obj = self.model.objects.visible_to(self.user).filter(**{self.lookup: value}).first()
        if obj is None:
            raise forms.ValidationError(f"{self.label}“{value}”不存在或不在您的管辖范围内")
        if self.levels and getattr(obj, self.level_field) not in self.levels:
            raise forms.ValidationError(f"{self.label}“{obj}”的层级不符合要求")
        return obj


class ServiceForm(forms.ModelForm):
    """A ModelForm that only parses input: the model rules run in the service, not here.

    `personal` fields are never pre-filled on edit (a form is not a way around masking): left blank
    they keep their value, and the placeholder shows the masked value.
    """

    personal: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance is not None and self.instance.pk is not None
        for name, field in self.fields.items():
            if isinstance(field, ScopedCodeField):
                field.user = user
                if editing and name not in self.data:
                    related = getattr(self.instance, name, None)
                    self.initial[name] = getattr(related, field.lookup, "") if related is not None else ""
            _style(field)
        if editing:
            kinds = getattr(type(self.instance), "personal_fields", {})
            for name in self.personal:
                if name in self.fields:
                    current = getattr(self.instance, name) or ""
                    self.fields[name].required = False
                    self.initial[name] = ""
                    hint = mask(kinds.get(name, "name"), current) if current else "未填写"
                    self.fields[name].widget.attrs["placeholder"] = f"{hint}（留空则不修改）"

    def _post_clean(self):
        # Model validation belongs to the service (full_clean there); don't touch the instance here.
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance is not None and self.instance.pk is not None:
            for name in self.personal:
                if name in data and not data[name]:
                    data.pop(name)
        return data


class ActionForm(forms.Form):
    """A plain form for a service action (transfer, convert): code fields resolved in the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, ScopedCodeField):
                field.user = user
            _style(field)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def apply_service_error(form: forms.Form, exc: ServiceError) -> None:
    placed = False
    for field, msgs in (exc.errors or {}).items():
        target = field if field in form.fields else None
        for m in msgs if isinstance(msgs, list | tuple) else [msgs]:
            form.add_error(target, str(m))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def htmx_error(exc: ServiceError):
    """A refused HTMX action: problem+json that the page shows as a toast (status 400/403/404)."""
    return problem_response(exc.status, exc.message, exc.message)


@contextmanager
def service_messages(
    request, success: str | Callable[[], str] = "", *, not_found: bool = True, validation: bool = False
) -> Iterator[None]:
    """Around a page's service call(s) from a POST: a refusal (ServiceError) becomes the error message
    the page shows after the redirect, else `success` is shown. A refusal with status 404 stays a 404
    page unless `not_found` is False; `validation` also turns a model ValidationError into a message.
    A `success` that names what the call changed is a callable, read after the call.

        with service_messages(request, "已撤销"):
            services.revoke(request.user, obj)
        return redirect(...)
    """
    caught: tuple[type[Exception], ...] = (ServiceError, ValidationError) if validation else (ServiceError,)
    try:
        yield
    except caught as exc:
        if isinstance(exc, ServiceError):
            if not_found and exc.status == 404:
                raise Http404(exc.message) from exc
            messages.error(request, exc.message)
        else:
            messages.error(request, "；".join(exc.messages))  # type: ignore[attr-defined]
    else:
        text = success() if callable(success) else success
        if text:
            messages.success(request, text)


def run_service(request, fn: Callable[[], Any], success: str | Callable[[], str], back: str, **kw):
    """Call `fn()` (one service call) inside `service_messages`, then redirect to `back`."""
    with service_messages(request, success, **kw):
        fn()
    return redirect(back)


def run_verb(request, actions: dict[str, tuple[Callable[[], Any], str]], verb: str, back: str, **kw):
    """The action named by the URL's verb: {verb: (service call, success message)}; unknown verb 404."""
    if verb not in actions:
        raise Http404
    fn, success = actions[verb]
    return run_service(request, fn, success, back, **kw)


class ServiceFormView(LoginRequiredMixin, View):
    """GET shows the form; POST validates it and calls `save()` (one service call) or shows errors (400).

    The common cases are declared rather than overridden: `object_url_name` is the saved object's page
    (reversed with its pk), `list_url_name` where saving goes without one; `list_crumb` (a label)
    makes the list page the breadcrumb and the cancel link; `service` is the function `save()` calls
    as `service(user, **form.service_data())`, or `service(user, object, **...)` on a page of an
    object (an edit page, or a page adding to its object).
    """

    form_class: type[forms.Form]
    perm: str = ""
    template_name = "includes/form_page.html"
    title = ""
    submit_label = "保存"
    success_message = "已保存"
    object_url_name = ""
    list_url_name = ""
    list_crumb = ""
    service: Callable[..., Any] | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_perm(request.user, self.perm)
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return None

    def get_initial(self) -> dict:
        return {}

    def get_form(self, data=None):
        kwargs: dict[str, Any] = {"user": self.request.user, "initial": self.get_initial()}
        if issubclass(self.form_class, forms.ModelForm):
            kwargs["instance"] = self.get_instance()
        return self.form_class(data, **kwargs)

    def get_instance(self):
        return self.object

    def save(self, form):
        service = type(self).service  # the plain function (not bound to the view)
        if service is None:
            raise NotImplementedError
        target = () if self.object is None else (self.object,)
        return service(self.request.user, *target, **form.service_data())

    def success_url(self, obj) -> str:
        return self.url_for(obj)

    def url_for(self, obj) -> str:
        if self.object_url_name and obj is not None:
            return reverse(self.object_url_name, args=[obj.pk])
        if self.list_url_name:
            return reverse(self.list_url_name)
        raise NotImplementedError

    def cancel_url(self) -> str:
        if self.list_crumb:
            return reverse(self.list_url_name)
        back = self.request.GET.get("back", "")
        if back.startswith("/") and not back.startswith("//"):
            return back
        return self.url_for(self.object) if self.object is not None else "/"

    def breadcrumbs(self) -> list[tuple[str, str]]:
        if self.list_crumb:
            return [(self.list_crumb, reverse(self.list_url_name))]
        return []

    def get_title(self) -> str:
        """`title`, where "{object.name}" and the like name the page's object."""
        return self.title.format(object=self.object) if self.object is not None else self.title

    def render_form(self, form, status=200):
        if form.is_bound:
            for name in form.errors:
                if name in form.fields:
                    attrs = form.fields[name].widget.attrs
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                    attrs["aria-invalid"] = "true"
        ctx = {
            "form": form,
            "title": self.get_title(),
            "object": self.object,
            "submit_label": self.submit_label,
            "cancel_url": self.cancel_url(),
            "crumbs": self.breadcrumbs(),
            **self.extra_context(form),
        }
        return render(self.request, self.template_name, ctx, status=status)

    def extra_context(self, form) -> dict:
        """More template context for a form page (e.g. a map editor's data)."""
        return {}

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                obj = self.save(form)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url(obj))
        return self.render_form(form, status=400)
