from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/<slug:verb>/", views.case_act, name="act"),
    path("evaluate/<str:token>/", views.evaluate_page, name="evaluate"),
]
