from django.urls import path

from . import contact_views, transfer_views, views

app_name = "party"
urlpatterns = [
    path("tree/", views.tree, name="tree"),
    path("tree/<str:code>/children/", views.tree_children, name="tree_children"),
    path("lookup/", views.lookup, name="lookup"),
    path("orgs/", views.OrgListView.as_view(), name="orgs"),
    path("orgs/<str:code>/", views.org_detail, name="org_detail"),
    path("orgs/<str:code>/add/", views.OrgAddChildView.as_view(), name="org_add_child"),
    path("orgs/<str:code>/edit/", views.OrgEditView.as_view(), name="org_edit"),
    path("orgs/<str:code>/seats/add/", views.SeatAddView.as_view(), name="seat_add"),
    path("seats/<int:pk>/remove/", views.seat_remove, name="seat_remove"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("members/add/", views.MemberCreateView.as_view(), name="member_add"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.MemberEditView.as_view(), name="member_edit"),
    path("members/<int:pk>/transfer/", transfer_views.MemberIssueView.as_view(), name="member_transfer"),
    path("members/<int:pk>/convert/", views.MemberConvertView.as_view(), name="member_convert"),
    path("members/<int:pk>/contact/", contact_views.ContactStatusView.as_view(), name="member_contact"),
    path("members/<int:pk>/contact/log/", contact_views.ContactLogView.as_view(), name="member_contact_log"),
    path("contact/", contact_views.ContactCampaignView.as_view(), name="contact_campaign"),
    path(
        "members/<int:pk>/extend/", views.MemberExtendProbationView.as_view(), name="member_extend_probation"
    ),
    path("transfers/out/", transfer_views.OutgoingListView.as_view(), name="transfers_out"),
    path("transfers/in/", transfer_views.IncomingListView.as_view(), name="transfers_in"),
    path("transfers/in/register/", transfer_views.IncomingRegisterView.as_view(), name="transfer_register"),
    path("transfers/targets/", transfer_views.transfer_targets, name="transfer_targets"),
    path("transfers/verify/<str:token>/", transfer_views.transfer_verify, name="transfer_verify"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/accept/", transfer_views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/return/", transfer_views.transfer_return, name="transfer_return"),
    path("transfers/<int:pk>/cancel/", transfer_views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<int:pk>/receipt/", transfer_views.transfer_receipt, name="transfer_receipt"),
    path("transfers/<int:pk>/letter/", transfer_views.transfer_letter, name="transfer_letter"),
    path("transfers/<int:pk>/letter.pdf", transfer_views.transfer_letter_pdf, name="transfer_letter_pdf"),
]
