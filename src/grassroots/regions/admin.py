from django.contrib import admin

from grassroots.core.admin import ScopedAdmin, TreeNodeAdmin

from .models import Household, Region


@admin.register(Region)
class RegionAdmin(TreeNodeAdmin):
    list_display = ("code", "name", "level", "category", "population", "household_count", "numchild")
    list_filter = ("level", "category", "is_closed", "has_property_management")
    search_fields = ("code", "name", "name_initials")
    ordering = ("path",)
    raw_id_fields = ("grid",)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("id", "entrance", "masked_room", "masked_head_name", "masked_phone", "size", "tags")
    list_filter = ("entrance__level",)
    search_fields = ("name_initials", "entrance__code", "tags")
    list_select_related = ("entrance",)
    raw_id_fields = ("entrance", "grid")
    exclude = ("name_initials",)
