from django.urls import path

from . import views

app_name = "whistle"
urlpatterns = [
    path("", views.SummonsListView.as_view(), name="list"),
    path("new/", views.summons_create, name="create"),
    path("inbox/", views.inbox, name="inbox"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/assess/", views.assess, name="assess"),
    path("<int:pk>/", views.summons_detail, name="detail"),
    path("<int:pk>/<slug:verb>/", views.summons_act, name="act"),
    path("<int:pk>/targets/<int:target_pk>/<slug:verb>/", views.target_act, name="target_act"),
]
