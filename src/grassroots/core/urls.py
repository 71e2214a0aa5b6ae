from django.urls import path

from . import audit_views, views

app_name = "core"
urlpatterns = [
    path("audit/", audit_views.AuditListView.as_view(), name="audit"),
    path("personal/unmask/<str:model>/<int:pk>/<str:field>/", views.unmask_view, name="unmask"),
]
