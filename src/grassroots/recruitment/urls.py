from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("candidates/", views.CandidateListView.as_view(), name="list"),
    path("candidates/new/", views.add, name="add"),
    path("candidates/<int:pk>/", views.candidate_detail, name="detail"),
    path("candidates/<int:pk>/step/", views.record_step, name="record_step"),
    path("candidates/<int:pk>/stop/", views.stop, name="stop"),
]
