from django.urls import path

from . import views

app_name = "emergency"

urlpatterns = [
    path("", views.EmergencyListView.as_view(), name="list"),
    path("declare/", views.declare, name="declare"),
    path("mine/", views.mine, name="mine"),
    path("records/", views.RecordListView.as_view(), name="records"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:verb>/", views.act, name="act"),
    path("<int:pk>/live/", views.live, name="live"),
    path("<int:pk>/live/fragment/", views.live_fragment, name="live_fragment"),
    path("<int:pk>/callups/", views.callups, name="callups"),
    path("<int:pk>/callups/<int:callup_pk>/assign/", views.callup_assign, name="callup_assign"),
    path("callups/<int:callup_pk>/<str:verb>/", views.callup_respond, name="callup_respond"),
    path("<int:pk>/sweep/", views.sweep, name="sweep"),
    path("tasks/<int:task_pk>/record/", views.sweep_record, name="sweep_record"),
    path("<int:pk>/needs/", views.needs, name="needs"),
    path("<int:pk>/needs/new/", views.need_create, name="need_create"),
    path("needs/<int:need_pk>/<str:verb>/", views.need_act, name="need_act"),
    path("<int:pk>/reports/", views.reports, name="reports"),
    path("<int:pk>/reports/generate/", views.report_generate, name="report_generate"),
]
