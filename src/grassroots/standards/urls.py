from django.urls import path

from . import views

app_name = "standards"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:code>/edit/", views.rule_edit, name="rule_edit"),
]
