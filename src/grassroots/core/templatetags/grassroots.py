from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from grassroots.core.personal import can_unmask, masked_value
from grassroots.core.scoping import has_perm, perm_code

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context, obj, field: str):
    """Masked value, plus a 查看 button for users who may unmask it (asks for a purpose)."""
    value = masked_value(obj, field)
    if not value:
        return mark_safe('<span class="text-secondary">—</span>')  # constant markup, nothing to escape
    user = context["request"].user
    if not can_unmask(user, obj):
        return format_html('<span class="masked">{}</span>', value)
    url = reverse("core:unmask", args=[obj._meta.label_lower, obj.pk, field])
    return format_html(
        '<span class="unmask-slot"><span class="masked">{}</span> <button type="button" '
        'class="btn btn-sm btn-ghost-secondary py-0 px-1 no-print" hx-post="{}" '
        'hx-prompt="请填写查看用途（将记入审计日志）" hx-target="closest .unmask-slot" hx-swap="innerHTML" '
        'title="查看明文" aria-label="查看明文"><i class="ti ti-eye"></i></button></span>',
        value,
        url,
    )


@register.filter
def can(user, perm: str) -> bool:
    return has_perm(user, perm)


@register.filter
def sees(user, obj) -> bool:
    """Whether the user may open the object's page (the check its detail view makes): links to
    objects outside the user's scope are rendered as plain text. Select the object's scope relations."""
    if obj is None:
        return False
    from grassroots.core.scoping import covers

    return has_perm(user, perm_code(type(obj), "view")) and covers(user, obj, "view")


@register.simple_tag(takes_context=True)
def query_without(context, *names):
    """The current query string without the given parameters, ending with & when not empty."""
    params = context["request"].GET.copy()
    for n in names:
        params.pop(n, None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""


@register.filter
def yesno_cn(value) -> str:
    if value is None:
        return "—"
    return "是" if value else "否"
