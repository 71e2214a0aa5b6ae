from django.urls import path

from . import views

app_name = "h5"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.my_cases, name="cases"),
    path("track/", views.track_lookup, name="track"),
    path("notifications/", views.inbox, name="notifications"),
    path("wishes/", views.wishes, name="wishes"),
    path("me/", views.me, name="me"),
]
