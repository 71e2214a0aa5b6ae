from django.urls import path

from . import audit_views, export_views, views

app_name = "core"
urlpatterns = [
    path("audit/", audit_views.AuditListView.as_view(), name="audit"),
    path("files/<int:pk>/", views.attachment_view, name="attachment"),
    path("files/s/<str:token>/", views.attachment_signed_view, name="attachment_signed"),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/unmask/", export_views.export_unmask, name="export_unmask"),
    path("exports/<int:pk>/", export_views.export_row, name="export_row"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("exports/<int:pk>/retry/", export_views.export_retry, name="export_retry"),
    path("personal/unmask/<str:model>/<int:pk>/<str:field>/", views.unmask_view, name="unmask"),
]
