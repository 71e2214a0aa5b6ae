from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("map/", views.map_json, name="map"),
]
