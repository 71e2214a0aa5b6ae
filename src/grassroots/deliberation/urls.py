from django.urls import path

from . import views

app_name = "deliberation"
urlpatterns = [
    path("", views.TopicListView.as_view(), name="list"),
    path("new/", views.topic_create, name="create"),
    path("topics/<str:number>/", views.topic_detail, name="detail"),
    path("topics/<str:number>/<slug:action>/", views.topic_act, name="act"),
    path("h5/", views.h5_list, name="h5_list"),
    path("h5/<str:number>/", views.h5_topic, name="h5_topic"),
    path("h5/<str:number>/vote/", views.h5_vote, name="h5_vote"),
]
