from django.urls import path

from . import mobile, views

app_name = "volunteers"
urlpatterns = [
    # staff
    path("", views.WishListView.as_view(), name="wishes"),
    path("wishes/add/", views.WishCreateView.as_view(), name="wish_add"),
    path("wishes/stats/", views.wish_stats, name="wish_stats"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish_detail"),
    path("wishes/<int:pk>/<slug:verb>/", views.wish_act, name="wish_act"),
    path("people/", views.VolunteerListView.as_view(), name="volunteers"),
    path("people/add/", views.VolunteerCreateView.as_view(), name="volunteer_add"),
    path("people/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("teams/", views.TeamListView.as_view(), name="teams"),
    path("teams/add/", views.TeamCreateView.as_view(), name="team_add"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/members/", views.team_member_add, name="team_member_add"),
    path("teams/members/<int:pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("teams/members/<int:pk>/leader/", views.team_leader, name="team_leader"),
    path("activities/", views.ActivityListView.as_view(), name="activities"),
    path("activities/add/", views.ActivityCreateView.as_view(), name="activity_add"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/qr-<slug:kind>.svg", views.activity_qr, name="activity_qr"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("points/", views.PointListView.as_view(), name="points"),
    path("points/grant/", views.point_grant, name="point_grant"),
    path("points/<int:pk>/revoke/", views.point_revoke, name="point_revoke"),
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items/add/", views.ItemCreateView.as_view(), name="item_add"),
    path("items/<int:pk>/", views.ItemEditView.as_view(), name="item_edit"),
    path("items/<int:pk>/stock/", views.item_stock, name="item_stock"),
    path("redemptions/", views.RedemptionListView.as_view(), name="redemptions"),
    path("redemptions/<int:pk>/<slug:action>/", views.redemption_act, name="redemption_act"),
    path("rankings/", views.RankingView.as_view(), name="rankings"),
    # residents, party members, unit liaisons (mobile first)
    path("wall/<str:code>/", mobile.wall, name="wall"),
    path("pool/", mobile.pool, name="pool"),
    path("me/wishes/", mobile.my_wishes, name="my_wishes"),
    path("me/activities/", mobile.my_activities, name="my_activities"),
    path("me/activities/<int:pk>/signup/", mobile.activity_signup, name="activity_signup"),
    path("me/signups/<int:pk>/cancel/", mobile.signup_cancel, name="signup_cancel"),
    path("me/points/", mobile.my_points, name="my_points"),
    path("shop/", mobile.shop, name="shop"),
    path("shop/<int:pk>/redeem/", mobile.shop_redeem, name="shop_redeem"),
    path("scan/<str:token>/", mobile.scan, name="scan"),
]
