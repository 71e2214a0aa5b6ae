"""Django admin for system administrators: scoped for staff users, personal data masked, writes audited.

The admin is a maintenance tool. Staff users who are not superusers see and change only what their
role assignments cover (the same grants as pages and API); personal fields are shown masked in lists
and in change forms (plaintext only through the audited unmask view); every save and delete writes
one audit event like the services do. Tree structure (adding or moving Region / PartyOrg nodes) is
done in pages and API, which keep the materialized paths right.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from . import audit
from .models import AuditEvent
from .personal import masked_value
from .scoping import covers, has_perm, perm_code, scope_q


def masked_column(field: str, label: str):
    """A list_display column showing a personal field masked."""

    def column(obj):
        return masked_value(obj, field) or "—"

    column.short_description = label  # type: ignore[attr-defined]  # the Django admin's column label
    column.__name__ = f"masked_{field}"
    return column


class ScopedAdmin(admin.ModelAdmin):
    """ModelAdmin over a ScopedModel: grants decide what a staff user sees and changes."""

    list_per_page = 50
    show_full_result_count = False

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # masked_<field> columns for every personal field, usable in list_display and readonly_fields.
        for field in getattr(model, "personal_fields", {}):
            label = str(model._meta.get_field(field).verbose_name)
            setattr(self, f"masked_{field}", masked_column(field, label))

    def _perm(self, action: str) -> str:
        return perm_code(self.model, action)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        q = scope_q(self.model, request.user, "view")
        return qs if q is None else qs.filter(q)

    def has_module_permission(self, request):
        return request.user.is_superuser or has_perm(request.user, self._perm("view"))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if not has_perm(request.user, self._perm("view")):
            return False
        return obj is None or covers(request.user, obj, "view")

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if not has_perm(request.user, self._perm("change")):
            return False
        return obj is None or covers(request.user, obj, "change")

    def has_add_permission(self, request):
        return request.user.is_superuser or has_perm(request.user, self._perm("change"))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    # Personal fields: editable when creating a record, shown masked afterwards.
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [f"masked_{f}" for f in getattr(self.model, "personal_fields", {})]
        return readonly

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is not None:
            exclude += list(getattr(self.model, "personal_fields", {}))
        return exclude

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        personal = getattr(self.model, "personal_fields", {})
        if obj is None:
            return [f for f in fields if not (isinstance(f, str) and f.startswith("masked_"))]
        return [f for f in fields if f not in personal]

    # Every write is audited, exactly once, in the same transaction.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk))
                super().save_model(request, obj, form, change)
                audit.record_update(request.user, obj, before)
            else:
                super().save_model(request, obj, form, change)
                audit.record_create(request.user, obj)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record_delete(request.user, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class TreeNodeAdmin(ScopedAdmin):
    """Region / PartyOrg: attributes editable here; adding, moving and deleting nodes is done in pages/API."""

    exclude = ("path", "depth", "numchild", "name_initials")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (a DB trigger refuses changes on PostgreSQL)."""

    list_display = ("at", "actor_name", "action", "model", "object_repr", "ip", "success")
    list_filter = ("action", "success", "source", "model")
    search_fields = ("actor_name", "object_repr", "request_id", "object_id")
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        q = scope_q(AuditEvent, request.user, "audit.view")
        return qs if q is None else qs.filter(q)

    def has_module_permission(self, request):
        return request.user.is_superuser or has_perm(request.user, "audit.view")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
