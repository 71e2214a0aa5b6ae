"""`{% history obj %}`: the change history of one object, for the history tab of detail pages."""

from __future__ import annotations

from django import template

from grassroots.core.models import AuditEvent
from grassroots.core.scoping import has_perm

register = template.Library()


@register.inclusion_tag("core/history.html", takes_context=True)
def history(context, obj, limit: int = 50):
    user = context["request"].user
    allowed = has_perm(user, "audit.view")
    events = []
    if allowed:
        events = list(
            AuditEvent.objects.visible_to(user, "audit.view")
            .filter(model=obj._meta.label_lower, object_id=str(obj.pk))
            .order_by("-at", "-id")[:limit]
        )
    return {"events": events, "allowed": allowed, "request": context["request"]}


@register.filter
def readable_changes(event) -> list[dict]:
    """An audit event's changes with Chinese labels and values as users see them."""
    from grassroots.core.audit_display import readable_changes as rows

    return rows(event)
