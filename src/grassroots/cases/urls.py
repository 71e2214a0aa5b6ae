from django.urls import path

from . import config_views, intake_views, public_views, views, visit_views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/moderate/", views.case_moderate, name="moderate"),
    path("<int:pk>/<slug:verb>/", views.case_act, name="act"),
    path("evaluate/<str:token>/", views.evaluate_page, name="evaluate"),
    # 身边诉求 (cases.public): public map and list, a case's public page, follow and 补充说明.
    path("public/", public_views.public_map, name="public_map"),
    path("public/<str:number>/", public_views.public_case, name="public_case"),
    path("public/<str:number>/follow/", public_views.follow, name="public_follow"),
    path("public/<str:number>/unfollow/", public_views.unfollow, name="public_unfollow"),
    path("public/<str:number>/update/", public_views.add_update, name="public_update"),
    # Intake (cases-intake): resident H5 form, tracking, my cases, staff intake, helpers.
    path("report/", intake_views.report, name="report"),
    path("report/suggest/", intake_views.suggestions, name="suggest"),
    path("report/buildings/", intake_views.buildings, name="buildings"),
    path("track/<str:token>/", intake_views.track, name="track"),
    path("mine/", intake_views.mine, name="mine"),
    path("intake/", intake_views.intake, name="intake"),
    path("hotline-import/", intake_views.hotline_import, name="hotline_import"),
    path("visits/", visit_views.VisitListView.as_view(), name="visits"),
    path("visits/new/", visit_views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("config/", config_views.config_home, name="config_home"),
    path("config/holidays/add/", config_views.holiday_add, name="holiday_add"),
    path("config/retrain/", config_views.retrain, name="retrain"),
    path("config/<slug:kind>/", config_views.config_list, name="config"),
    path("config/<slug:kind>/new/", config_views.config_edit, name="config_new"),
    path("config/<slug:kind>/<int:pk>/", config_views.config_edit, name="config_edit"),
    path("config/<slug:kind>/<int:pk>/toggle/", config_views.config_toggle, name="config_toggle"),
]

# Analytics (cases-analytics): alerts, rankings, statistics and the background-capable case export.
from . import analytics_views  # noqa: E402

urlpatterns += [
    path("alerts/", analytics_views.alerts, name="alerts"),
    path("alerts/badge/", analytics_views.alert_badge, name="alert_badge"),
    path("rankings/", analytics_views.rankings, name="rankings"),
    path("stats/", analytics_views.stats_page, name="stats"),
    path("export/", analytics_views.case_export, name="case_export"),
]
