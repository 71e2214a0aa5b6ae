from django.contrib import admin

from grassroots.core.admin import ScopedAdmin

from .models import Deputy, Steward, Worker


@admin.register(Worker)
class WorkerAdmin(ScopedAdmin):
    list_display = ("code", "name", "masked_phone", "region", "post", "grade", "role")
    list_filter = ("post", "role", "grade")
    search_fields = ("code", "name", "name_initials")
    list_select_related = ("region",)
    raw_id_fields = ("region", "member", "user")
    exclude = ("name_initials",)


@admin.register(Steward)
class StewardAdmin(ScopedAdmin):
    list_display = ("name", "role", "masked_phone", "region", "member")
    list_filter = ("role",)
    search_fields = ("name", "region__code", "region__name")
    list_select_related = ("region", "member")
    raw_id_fields = ("region", "member")


@admin.register(Deputy)
class DeputyAdmin(ScopedAdmin):
    list_display = ("name", "kind", "level", "masked_phone", "region", "unit_name")
    list_filter = ("kind", "level")
    search_fields = ("name", "unit_name")
    list_select_related = ("region",)
    raw_id_fields = ("region",)
