from django.contrib import admin

from grassroots.core.admin import ScopedAdmin, TreeNodeAdmin

from .models import DuesPayment, Member, PartyOrg, Seat, Transfer


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    raw_id_fields = ("member", "unit")


@admin.register(PartyOrg)
class PartyOrgAdmin(TreeNodeAdmin):
    list_display = ("code", "name", "kind", "region", "is_regional", "is_joint", "is_functional", "term_end")
    list_filter = ("kind", "is_regional", "is_joint", "is_functional")
    search_fields = ("code", "name", "name_initials", "secretary_name")
    list_select_related = ("region",)
    ordering = ("path",)
    raw_id_fields = ("region", "unit", "secretary")
    inlines = [SeatInline]


@admin.register(Seat)
class SeatAdmin(ScopedAdmin):
    list_display = ("org", "post", "holder_name", "unit")
    list_filter = ("post",)
    search_fields = ("holder_name", "org__name", "org__code")
    list_select_related = ("org", "unit")
    raw_id_fields = ("org", "member", "unit")


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ("name", "gender", "masked_id_number", "masked_phone", "party_org", "status", "joined_on")
    list_filter = ("status", "gender", "in_service", "is_household_hub")
    search_fields = ("name", "name_initials", "party_org__code", "party_org__name")
    list_select_related = ("party_org",)
    raw_id_fields = ("party_org", "workplace_unit", "residence", "user")
    exclude = ("name_initials", "id_number_hash")


@admin.register(Transfer)
class TransferAdmin(ScopedAdmin):
    list_display = (
        "letter_no",
        "person_name",
        "kind",
        "state",
        "from_org",
        "to_org",
        "issued_on",
        "transferred_on",
    )
    search_fields = ("letter_no", "person_name", "member__name", "from_org__code", "to_org__code")
    list_select_related = ("member", "from_org", "to_org")
    raw_id_fields = ("member", "from_org", "to_org")
    date_hierarchy = "transferred_on"

    def has_change_permission(self, request, obj=None):
        # History: transfers are made by the transfer service, never edited.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(DuesPayment)
class DuesPaymentAdmin(ScopedAdmin):
    list_display = ("member", "month", "amount_fen", "paid_on")
    search_fields = ("member__name",)
    list_select_related = ("member",)
    raw_id_fields = ("member",)
    date_hierarchy = "month"
