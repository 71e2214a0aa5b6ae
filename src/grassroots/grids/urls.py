from django.urls import path

from . import duties, views

app_name = "grids"
urlpatterns = [
    path("", views.GridListView.as_view(), name="list"),
    path("map/", views.grid_map, name="map"),
    path("coverage/", views.grid_coverage, name="coverage"),
    path("validate/", views.grid_validate, name="validate"),
    path("import/", views.grid_import, name="import"),
    path("export.geojson", views.grid_export_geojson, name="export_geojson"),
    path("route/", views.grid_route, name="route"),
    path("duties/", duties.duty_chain, name="duties"),
    path("duties/set/", duties.duty_set, name="duty_set"),
    path("<str:code>/", views.grid_detail, name="detail"),
    path("<str:code>/edit/", views.grid_edit, name="edit"),
    path("<str:code>/repair/", views.grid_repair, name="repair"),
    path("<str:code>/assign/", views.grid_assign, name="assign"),
    path("<str:code>/assign/<int:pk>/remove/", views.grid_unassign, name="unassign"),
    path("<str:code>/duty/", views.grid_duty, name="duty"),
]
