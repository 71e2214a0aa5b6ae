from django.urls import path

from . import career_views, studio_views, views

app_name = "people"
urlpatterns = [
    path("workers/", views.WorkerListView.as_view(), name="workers"),
    path("workers/add/", views.WorkerCreateView.as_view(), name="worker_add"),
    path("workers/<int:pk>/", career_views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/edit/", views.WorkerEditView.as_view(), name="worker_edit"),
    path("workers/<int:pk>/grade/", career_views.PromoteView.as_view(), name="worker_promote"),
    path("workers/<int:pk>/training/", career_views.TrainingAddView.as_view(), name="worker_training"),
    path("careers/", career_views.career_summary, name="careers"),
    path("careers/<str:code>/", career_views.career_summary, name="career_community"),
    path("pay-scales/", career_views.PayScaleListView.as_view(), name="pay_scales"),
    path("stewards/", views.StewardListView.as_view(), name="stewards"),
    path("stewards/add/", views.StewardCreateView.as_view(), name="steward_add"),
    path("stewards/<int:pk>/", views.steward_detail, name="steward_detail"),
    path("stewards/<int:pk>/edit/", views.StewardEditView.as_view(), name="steward_edit"),
    path("deputies/", views.DeputyListView.as_view(), name="deputies"),
    path("deputies/add/", views.DeputyCreateView.as_view(), name="deputy_add"),
    path("deputies/report/", studio_views.deputy_reports, name="deputy_reports"),
    path("deputies/<int:pk>/", views.deputy_detail, name="deputy_detail"),
    path("deputies/<int:pk>/edit/", views.DeputyEditView.as_view(), name="deputy_edit"),
    path("studios/", studio_views.StudioListView.as_view(), name="studios"),
    path("studios/add/", studio_views.StudioCreateView.as_view(), name="studio_add"),
    path("studios/<int:pk>/", studio_views.studio_detail, name="studio_detail"),
    path("studios/<int:pk>/edit/", studio_views.StudioEditView.as_view(), name="studio_edit"),
    path(
        "studios/<int:pk>/receptions/add/", studio_views.ReceptionCreateView.as_view(), name="reception_add"
    ),
    path("studios/<int:pk>/logs/add/", studio_views.ReceptionLogCreateView.as_view(), name="log_add"),
    path("receptions/<int:pk>/publish/", studio_views.reception_publish, name="reception_publish"),
    path("logs/<int:pk>/", studio_views.log_detail, name="log_detail"),
    path("logs/<int:pk>/matters/", studio_views.matter_add, name="matter_add"),
    path("matters/<int:pk>/case/", studio_views.matter_case, name="matter_case"),
    path("receptions/", studio_views.public_receptions, name="public_receptions"),
]
