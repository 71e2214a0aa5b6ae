"""GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2), JSON and XML by extension.

Plain Django views rather than the ninja API: the spec fixes the URL shape (`requests.json`,
`services/{code}.xml`), form-encoded POST bodies, `api_key` as a parameter and its own error list,
none of which fit /api/v1's conventions. POST is CSRF-exempt because it is authenticated by api_key,
never by the session cookie.
"""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.core import audit

from . import services
from .formats import error, render


def _guard(view):
    def wrapper(request, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except services.Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _key_user(request):
    return services.user_for_key(request.POST.get("api_key") or request.GET.get("api_key"))


@require_GET
@_guard
def discovery(request, fmt: str):
    base = request.build_absolute_uri("/open311/v2/")
    return render(services.discovery(base), fmt, root="discovery")


@require_GET
@_guard
def service_list(request, fmt: str):
    payload = [services.service_out(c) for c in services.service_categories()]
    return render(payload, fmt, root="services", item="service")


@require_GET
@_guard
def service_definition(request, code: str, fmt: str):
    return render(services.service_definition(code), fmt, root="service_definition")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_view(request, fmt: str):
    if request.method == "POST":
        user = _key_user(request)
        payload = services.create_request(request.POST, user)
        return render(payload, fmt, root="service_requests", item="request", status=201)
    user = _key_user(request)
    payload = services.list_requests(request.GET, user)
    if user is not None:
        audit.record(
            "export", None, user=user, model_label="open311.requests", object_repr=f"{len(payload)} 条诉求"
        )
    return render(payload, fmt, root="service_requests", item="request")


@require_GET
@_guard
def request_detail(request, number: str, fmt: str):
    return render(
        services.get_request(number, _key_user(request)), fmt, root="service_requests", item="request"
    )


@require_GET
@_guard
def token_detail(request, token: str, fmt: str):
    return render(services.token_lookup(token), fmt, root="service_requests", item="request")
