from django.urls import path

from . import views

app_name = "onewindow"
urlpatterns = [
    path("", views.ApplicationListView.as_view(), name="list"),
    path("new/", views.application_create, name="create"),
    path("a/<str:number>/", views.application_detail, name="detail"),
    path("a/<str:number>/<slug:action>/", views.application_act, name="act"),
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("stats/", views.stats_page, name="stats"),
    path("proactive/", views.proactive, name="proactive"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("h5/", views.h5_list, name="h5_list"),
    path("h5/<str:number>/", views.h5_detail, name="h5_detail"),
    path("h5/<str:number>/evaluate/", views.h5_evaluate, name="h5_evaluate"),
]
