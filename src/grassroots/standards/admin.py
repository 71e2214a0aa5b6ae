from django.contrib import admin

from grassroots.core.admin import ScopedAdmin
from grassroots.core.scoping import has_perm

from .models import Rule


@admin.register(Rule)
class RuleAdmin(ScopedAdmin):
    """Rules are not scoped: standards.view to read, standards.change (city admins) to edit parameters."""

    list_display = ("code", "category", "title", "enabled")
    list_filter = ("category", "enabled")
    search_fields = ("code", "title")
    ordering = ("code",)
    readonly_fields = ("code",)

    def get_queryset(self, request):
        return self.model._default_manager.all()

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or has_perm(request.user, "standards.view")

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or has_perm(request.user, "standards.change")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
