from django.urls import path

from . import views

app_name = "merit"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/study/", views.mine_study, name="mine_study"),
    path("ranking/", views.RankingView.as_view(), name="ranking"),
    path("members/<int:pk>/", views.member_ledger, name="member"),
    path("members/<int:pk>/study/", views.study_add, name="study_add"),
    path("studies/", views.StudyListView.as_view(), name="studies"),
    path("studies/<int:pk>/<str:verb>/", views.study_act, name="study_act"),
    path("ratings/", views.RatingListView.as_view(), name="ratings"),
    path("ratings/propose/", views.rating_propose, name="rating_propose"),
    path("ratings/criteria/", views.criteria_view, name="criteria"),
    path("ratings/<int:pk>/", views.rating_detail, name="rating"),
    path("ratings/<int:pk>/<str:verb>/", views.rating_act, name="rating_act"),
]
