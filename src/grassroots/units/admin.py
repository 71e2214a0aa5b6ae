from django.contrib import admin

from grassroots.core.admin import ScopedAdmin

from .models import Instructor, Unit


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("code", "name", "type", "region", "party_work", "party_org", "employees")
    list_filter = ("type", "party_work", "has_union", "has_youth_league")
    search_fields = ("code", "name", "name_initials", "industry")
    list_select_related = ("region", "party_org")
    raw_id_fields = ("region", "party_org", "instructor", "grid")
    exclude = ("name_initials",)


@admin.register(Instructor)
class InstructorAdmin(ScopedAdmin):
    list_display = ("name", "masked_phone", "region", "org")
    search_fields = ("name",)
    list_select_related = ("region", "org")
    raw_id_fields = ("region", "org")
