"""The REST API at /api/v1/ (django-ninja): auth, RFC 9457 errors and cursor pagination.

Apps add their routers in `grassroots.urls`; endpoints stay thin and call services and
`visible_to()` querysets.
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.security import APIKeyCookie, HttpBearer

from .errors import ServiceError, problem_response


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gr_...`; tokens are stored hashed and can be revoked or expire."""

    def authenticate(self, request, token):
        from . import hooks

        user = hooks.required("token_user")(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # request.user is a lazy wrapper: hand out the User itself, as TokenAuth does.
            return getattr(user, "_wrapped", user)
        return None


class GrassrootsAPI(NinjaAPI):
    """The schema depends only on the routes, fixed once the URLconf is loaded: build it once per
    process and prefix (it took 1 to 7 seconds per request of /api/v1/openapi.json)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schema_cache", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = GrassrootsAPI(
    title="基层治理平台 API",
    version="1",
    description=(
        "城市基层党建引领基层治理平台接口。认证：`Authorization: Bearer <令牌>` 或已登录会话。"
        "错误按 RFC 9457（application/problem+json）返回。所有坐标均为 WGS-84 经纬度，另有注明的除外。"
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    return problem_response(exc.status, exc.message, exc.message, exc.errors or None)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(404, "对象不存在或无权访问")


@api.exception_handler(DjangoValidationError)
def _django_validation(request, exc):
    from .services import validation_message

    message, errors = validation_message(exc)
    return problem_response(400, message, message, errors or None)


def _loc(err: dict) -> str:
    return ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path"))


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        errors.setdefault(_loc(err) or "请求", []).append(_translate(err))
    first = next(iter(errors.items()))
    return problem_response(422, "请求数据不正确", f"{first[0]}：{first[1][0]}", errors)


@api.exception_handler(OverflowError)
def _overflow(request, exc):
    # A number too large for the database (SQLite raises OverflowError when binding it).
    return problem_response(400, "数值超出范围", "请求中的数值超出允许范围")


@api.exception_handler(DataError)
def _data_error(request, exc):
    # PostgreSQL: a value out of range for its column type (e.g. an integer ≥ 2^63).
    return problem_response(400, "数值超出范围", "请求中的数值超出允许范围")


@api.exception_handler(AuthenticationError)
def _auth(request, exc):
    return problem_response(401, "未登录或令牌无效", "请登录，或在 Authorization 头中提供有效令牌。")


_HTTP_MESSAGES = {"Cannot parse request body": "请求体不是有效的 JSON"}


@api.exception_handler(HttpError)
def _http(request, exc: HttpError):
    message = str(exc)
    for prefix, chinese in _HTTP_MESSAGES.items():
        if message.startswith(prefix):
            message = chinese
    return problem_response(exc.status_code, message)


_MESSAGES = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为布尔值",
    "string_type": "应为文本",
    "string_too_long": "文本过长",
    "string_too_short": "文本过短",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "json_invalid": "JSON 格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "extra_forbidden": "不允许的字段",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "float_type": "应为数字",
    "int_from_float": "应为整数",
    "bool_type": "应为布尔值",
    "finite_number": "应为有限数字",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "too_long": "项目过多",
    "too_short": "项目过少",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "model_type": "应为对象",
    "union_tag_invalid": "类型不在允许范围内",
}


def _translate(err: dict) -> str:
    if err.get("type") == "value_error" and (err.get("ctx") or {}).get("error"):
        # Validators in schemas raise ValueError with a Chinese message: show it as is.
        return str(err["ctx"]["error"])
    return _MESSAGES.get(err.get("type", ""), err.get("msg", "数据不正确"))


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


def _encode(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except Exception as exc:
        raise ServiceError("分页游标无效", field="cursor") from exc


class CursorPagination(PaginationBase):
    """Keyset pagination on the primary key: stable under inserts and O(1) deep into a large list."""

    class Input(Schema):
        cursor: str | None = None
        limit: int = 50

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None = None

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request=None, **params):
        limit = max(1, min(pagination.limit, 200))
        qs = queryset.order_by("pk")
        if pagination.cursor:
            qs = qs.filter(pk__gt=_decode(pagination.cursor))
        rows = list(qs[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return {"items": rows, "next_cursor": _encode(rows[-1].pk) if more and rows else None}


def visible_or_404(model, user, action: str = "view", select_related: tuple[str, ...] = (), **lookup):
    """The one object matching `lookup` that the user may `action`, else a 404 (missing = out of scope)."""
    qs = model.objects.visible_to(user, action)
    if select_related:
        qs = qs.select_related(*select_related)
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise ServiceError("对象不存在或无权访问", status=404)
    return obj


def reference(model, user, field: str, label: str, value, lookup: str = "code"):
    """Resolve a reference given by code in a request body.

    Unknown or out of scope -> 404 naming the field.
    """
    if value is None:
        return None
    obj = model.objects.visible_to(user, "view").filter(**{lookup: value}).first()
    if obj is None:
        raise ServiceError(f"{label}“{value}”不存在或不在您的管辖范围内", field=field, status=404)
    return obj


def require_perm(user, perm: str) -> None:
    """Lists: a user whose roles lack the permission everywhere gets a 403 rather than an empty page."""
    from .errors import PermissionDenied
    from .scoping import has_perm

    if not has_perm(user, perm):
        raise PermissionDenied()


# --- personal data: unmask one field with a purpose (audited) ------------------------------------

personal_router = Router(tags=["personal"])


class UnmaskIn(Schema):
    model: str = Field(..., max_length=64, description="对象类型，如 party.member、regions.household")
    id: int = Field(..., ge=1, le=2**62, description="对象 ID")
    field: str = Field(..., max_length=64, description="个人信息字段，如 phone、id_number、room")
    purpose: str = Field(..., min_length=2, max_length=200, description="查看用途（记入审计日志）")


class UnmaskOut(Schema):
    model: str
    id: int
    field: str
    value: str


@personal_router.post(
    "/unmask", response={200: UnmaskOut, **ERRORS}, summary="查看个人信息明文（逐字段，须填写用途，记入审计）"
)
def unmask_field(request, payload: UnmaskIn):
    from django.apps import apps

    from .errors import NotFound
    from .personal import unmask

    try:
        model_cls = apps.get_model(payload.model)
    except (LookupError, ValueError) as exc:
        raise NotFound() from exc
    if not getattr(model_cls, "personal_fields", None) or not hasattr(model_cls.objects, "visible_to"):
        raise NotFound()
    obj = model_cls.objects.visible_to(request.auth, "view").filter(pk=payload.id).first()
    if obj is None:
        raise NotFound()
    value = unmask(request.auth, obj, payload.field, payload.purpose)
    return {"model": payload.model, "id": payload.id, "field": payload.field, "value": value}


api.add_router("/personal/", personal_router)


def references(user, data: dict, spec: dict[str, tuple]) -> dict:
    """Replace `<field>: code` entries of a request body by the visible objects they name.

    spec: body field -> (model attribute, model, Chinese label[, lookup]); a null clears the reference.
    """
    for field, (attr, model, label, *lookup) in spec.items():
        if field in data:
            data[attr] = reference(model, user, field, label, data.pop(field), *(lookup or ["code"]))
    return data


def given(qs, **lookups):
    """`qs` filtered by each lookup whose query parameter was given (one left out is None or empty)."""
    return qs.filter(**{lookup: value for lookup, value in lookups.items() if value})


def pick(payload: Schema, *names: str) -> dict[str, Any]:
    """The named fields of a request body, as the keyword arguments of the service that takes them."""
    return {name: getattr(payload, name) for name in names}
