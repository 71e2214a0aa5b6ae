from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("", views.HubListView.as_view(), name="hubs"),
    path("hubs/<int:pk>/", views.hub_detail, name="hub_detail"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue"),
    path("communities/<str:code>/", views.community_links, name="community"),
    path("communities/<str:code>/<slug:verb>/", views.community_act, name="community_act"),
    path("weekly/<str:code>/", views.weekly, name="weekly"),
    path("mine/", views.my_links, name="my_links"),
    path("mine/<int:pk>/contact/", views.contact, name="contact"),
    path("log/", views.my_log, name="my_log"),
    path("log/items/<int:pk>/<slug:verb>/", views.item_act, name="item_act"),
    path("logs/", views.LogListView.as_view(), name="logs"),
    path("logs/<int:pk>/", views.log_detail, name="log_detail"),
]
