from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("personal/unmask/<str:model>/<int:pk>/<str:field>/", views.unmask_view, name="unmask"),
]
