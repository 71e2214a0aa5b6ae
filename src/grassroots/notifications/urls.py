from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_message, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("outbox/failed/", views.outbox_failed, name="outbox_failed"),
    path("outbox/retry/", views.outbox_retry, name="outbox_retry"),
]
