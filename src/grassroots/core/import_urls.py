from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("templates/<str:kind>.xlsx", views.template, name="template"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/commit/", views.job_commit, name="commit"),
    path("<int:pk>/retry/", views.job_retry, name="retry"),
    path("<int:pk>/annotated.xlsx", views.job_annotated, name="annotated"),
]
