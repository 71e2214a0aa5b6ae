from django.urls import path

from . import contact_views, views

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
    path("members/<int:pk>/transfer/", views.MemberTransferView.as_view(), name="member_transfer"),
    path("members/<int:pk>/convert/", views.MemberConvertView.as_view(), name="member_convert"),
    path("members/<int:pk>/contact/", contact_views.ContactStatusView.as_view(), name="member_contact"),
    path("members/<int:pk>/contact/log/", contact_views.ContactLogView.as_view(), name="member_contact_log"),
    path("contact/", contact_views.ContactCampaignView.as_view(), name="contact_campaign"),
    path(
        "members/<int:pk>/extend/", views.MemberExtendProbationView.as_view(), name="member_extend_probation"
    ),
]
