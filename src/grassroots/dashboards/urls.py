from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("map/", views.map_json, name="map"),
    path("leader/", views.leader, name="leader"),
    path("leader/rollup/", views.rollup_request, name="rollup"),
]
