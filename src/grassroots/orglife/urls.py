from django.urls import path

from . import views

app_name = "orglife"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("add/", views.ActivityCreateView.as_view(), name="add"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("mine/", views.mine, name="mine"),
    path("stats/", views.stats_view, name="stats"),
    path("feeds/", views.feeds, name="feeds"),
    path("ical/u/<str:token>.ics", views.ical_user, name="ical_user"),
    path("ical/org/<str:code>.ics", views.ical_org, name="ical_org"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("branch/<str:code>/", views.branch, name="branch"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.ActivityEditView.as_view(), name="edit"),
    path("<int:pk>/signup/", views.signup, name="signup"),
    path("<int:pk>/signup/cancel/", views.signup_cancel, name="signup_cancel"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/record/", views.record_past, name="record"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/qr/", views.qr_page, name="qr"),
    path("<int:pk>/<str:verb>/", views.activity_action, name="action"),
]
