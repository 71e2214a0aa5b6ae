from django.urls import path

from . import care_views, duties, views

app_name = "grids"
urlpatterns = [
    path("", views.GridListView.as_view(), name="list"),
    path("map/", views.grid_map, name="map"),
    path("coverage/", views.grid_coverage, name="coverage"),
    path("validate/", views.grid_validate, name="validate"),
    path("import/", views.grid_import, name="import"),
    path("export.geojson", views.grid_export_geojson, name="export_geojson"),
    path("route/", views.grid_route, name="route"),
    path("patrols/", care_views.PatrolListView.as_view(), name="patrol_list"),
    path("patrols/due/", care_views.PatrolDueView.as_view(), name="patrol_due"),
    path("patrols/start/", care_views.patrol_start, name="patrol_start"),
    path("patrols/<int:pk>/", care_views.patrol_detail, name="patrol_detail"),
    path("visits/", care_views.HouseholdVisitListView.as_view(), name="visit_list"),
    path("visits/due/", care_views.VisitDueView.as_view(), name="visit_due"),
    path("visits/new/<int:household>/", care_views.visit_create, name="visit_create"),
    path("duties/", duties.duty_chain, name="duties"),
    path("duties/set/", duties.duty_set, name="duty_set"),
    path("<str:code>/", views.grid_detail, name="detail"),
    path("<str:code>/edit/", views.grid_edit, name="edit"),
    path("<str:code>/repair/", views.grid_repair, name="repair"),
    path("<str:code>/assign/", views.grid_assign, name="assign"),
    path("<str:code>/assign/<int:pk>/remove/", views.grid_unassign, name="unassign"),
    path("<str:code>/duty/", views.grid_duty, name="duty"),
]
