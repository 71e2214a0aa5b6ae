from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("workers/", views.WorkerListView.as_view(), name="workers"),
    path("workers/add/", views.WorkerCreateView.as_view(), name="worker_add"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/edit/", views.WorkerEditView.as_view(), name="worker_edit"),
    path("stewards/", views.StewardListView.as_view(), name="stewards"),
    path("stewards/add/", views.StewardCreateView.as_view(), name="steward_add"),
    path("stewards/<int:pk>/", views.steward_detail, name="steward_detail"),
    path("stewards/<int:pk>/edit/", views.StewardEditView.as_view(), name="steward_edit"),
    path("deputies/", views.DeputyListView.as_view(), name="deputies"),
    path("deputies/add/", views.DeputyCreateView.as_view(), name="deputy_add"),
    path("deputies/<int:pk>/", views.deputy_detail, name="deputy_detail"),
    path("deputies/<int:pk>/edit/", views.DeputyEditView.as_view(), name="deputy_edit"),
]
