from django.urls import path

from . import pages, views

app_name = "standards"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:code>/edit/", views.rule_edit, name="rule_edit"),
    path("catalog/", pages.CatalogView.as_view(), name="catalog"),
    path("indicators/", pages.indicators_page, name="indicators"),
    path("evaluations/", pages.EvaluationListView.as_view(), name="evaluations"),
    path("evaluations/new/", pages.EvaluationCreateView.as_view(), name="evaluation_create"),
    path("evaluations/<int:pk>/", pages.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/scores/", pages.evaluation_scores, name="evaluation_scores"),
    path("evaluations/<int:pk>/<str:verb>/", pages.evaluation_act, name="evaluation_act"),
    path("rankings/", pages.rankings, name="rankings"),
    path("branches/", pages.BranchHealthListView.as_view(), name="branch_health"),
    path("branches/run/", pages.health_run_start, name="health_run_start"),
    path("runs/<int:pk>/progress/", pages.health_run_progress, name="health_run_progress"),
    path("branches/<str:code>/", pages.branch_detail, name="branch_detail"),
    path("branches/<str:code>/rectify/", pages.rect_create, name="rect_create"),
    path("rectifications/", pages.RectificationListView.as_view(), name="rectifications"),
    path("rectifications/<int:pk>/<str:verb>/", pages.rect_act, name="rect_act"),
    path("funding/", pages.FundingListView.as_view(), name="funding"),
    path("funding/new/", pages.FundingCreateView.as_view(), name="funding_create"),
    path("funding/<int:pk>/delete/", pages.funding_delete, name="funding_delete"),
    path("honours/", pages.HonourListView.as_view(), name="honours"),
    path("honours/new/", pages.HonourCreateView.as_view(), name="honour_create"),
    path("honours/<int:pk>/revoke/", pages.honour_revoke, name="honour_revoke"),
    path("duties/", pages.DutyListView.as_view(), name="duties"),
    path("duties/new/", pages.DutyCreateView.as_view(), name="duty_create"),
    path("duties/<int:pk>/", pages.duty_detail, name="duty_detail"),
]
