from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"
urlpatterns = [
    path("v2/discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("v2/services.<fmt:fmt>", views.service_list, name="services"),
    path("v2/services/<str:code>.<fmt:fmt>", views.service_definition, name="service"),
    # The Code for America client libraries ask for `service/{code}` (singular): served the same.
    path("v2/service/<str:code>.<fmt:fmt>", views.service_definition, name="service_alias"),
    path("v2/requests.<fmt:fmt>", views.requests_view, name="requests"),
    path("v2/requests/<str:number>.<fmt:fmt>", views.request_detail, name="request"),
    path("v2/tokens/<str:token>.<fmt:fmt>", views.token_detail, name="token"),
]
