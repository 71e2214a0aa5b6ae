from django.urls import path

from . import views

app_name = "proactive"
urlpatterns = [
    path("", views.HotTopicListView.as_view(), name="hot_list"),
    path("hot/recompute/", views.hot_recompute, name="hot_recompute"),
    path("hot/<int:pk>/", views.hot_detail, name="hot_detail"),
    path("hot/<int:pk>/<slug:kind>/new/", views.initiative_create, name="create"),
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("themes/", views.ThemeListView.as_view(), name="theme_list"),
    path("i/<str:number>/", views.initiative_detail, name="detail"),
    path("i/<str:number>/edit/", views.initiative_edit, name="edit"),
    path("i/<str:number>/<slug:action>/", views.initiative_act, name="act"),
]
