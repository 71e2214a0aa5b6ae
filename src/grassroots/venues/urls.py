from django.urls import path

from . import views

app_name = "venues"
urlpatterns = [
    path("", views.CenterListView.as_view(), name="centers"),
    path("add/", views.CenterCreateView.as_view(), name="center_add"),
    path("<int:pk>/", views.center_detail, name="center_detail"),
    path("<int:pk>/edit/", views.CenterEditView.as_view(), name="center_edit"),
    path("<int:pk>/rooms/add/", views.RoomCreateView.as_view(), name="room_add"),
    path("<int:pk>/calendar.ics", views.ical_center, name="ical_center"),
    path("rooms/", views.room_list, name="rooms"),
    path("rooms/<int:pk>/", views.room_detail, name="room_detail"),
    path("rooms/<int:pk>/edit/", views.RoomEditView.as_view(), name="room_edit"),
    path("rooms/<int:pk>/book/", views.room_week, name="room_week"),
    path("rooms/<int:pk>/qr.svg", views.room_qr, name="room_qr"),
    path("rooms/<int:pk>/calendar.ics", views.ical_room, name="ical_room"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("bookings/", views.BookingListView.as_view(), name="bookings"),
    path("bookings/mine/", views.my_bookings, name="mine"),
    path("bookings/feed/", views.calendar_feed, name="calendar_feed"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/<str:action>/", views.booking_action, name="booking_action"),
    path("feeds/<str:token>.ics", views.ical_user, name="ical_user"),
    path("circle/", views.circle_view, name="circle"),
    path("stats/", views.stats_view, name="stats"),
]
