"""GeoReport v2 (Open311) over the case system: categories are services, cases are service requests.

Mapping, in one place:
- service_code = Category.code of an active leaf (a top-level class with no children also counts);
  group = the parent's name; attributes = the category's required intake fields (informational
  datatype string, required), so clients know what to send.
- service_request_id = Case.number; status "closed" for the final states (closed, closed unresolved,
  merged), else "open"; status_notes = the Chinese state label, and the resolution once resolved.
- POST needs api_key = an API token (accounts.ApiToken) of an account allowed to submit cases in the
  community where the request lands (cases.submit over it): integrated platforms such as the 12345
  hotline or a mini-program hold such an account. The community comes from lat/long (grid routing)
  or address_id (a region code: community or below).
- Reads are public but carry no personal data: no reporter, location rounded to ~100 m and the
  community as address, unless the api_key's account may see the case (then exact address and point,
  and media_url as a signed link to the first photo).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from grassroots.accounts.models import ApiToken, hash_token
from grassroots.cases import services as case_services
from grassroots.cases.models import Case, Category, Channel
from grassroots.cases.workflow import FINAL_STATES, CaseState
from grassroots.core.attachments import attachments_of, signed_url
from grassroots.core.errors import ServiceError
from grassroots.regions.models import Region

DEFAULT_DAYS = 90
MAX_LIMIT = 1000
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00Z"


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ------------------------------------------------------------------------------------------ auth


def user_for_key(api_key: str | None):
    if not api_key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(api_key)).first()
    if token is None or not token.is_active or not token.user.is_active:
        raise Open311Error(403, "api_key 无效或已停用")
    return token.user


# ------------------------------------------------------------------------------------------ services


def service_categories():
    """Active categories a request can be filed under: leaves, and top-level classes without children."""
    cats = list(Category.objects.filter(is_active=True).select_related("parent").order_by("sort", "code"))
    parents = {c.parent_id for c in cats if c.parent_id}
    return [c for c in cats if c.pk not in parents and (c.parent is None or c.parent.is_active)]


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.get_default_tier_display()}，{category.deadline_value}"
        f"{category.get_deadline_unit_display()}内办理",
        "metadata": bool(category.required_fields),
        "type": "realtime",
        "keywords": category.name,
        "group": category.parent.name if category.parent_id else category.name,
    }


def service_definition(code: str) -> dict:
    from grassroots.cases.models import REQUIRABLE_FIELDS

    category = next((c for c in service_categories() if c.code == code), None)
    if category is None:
        raise Open311Error(404, f"服务 {code} 不存在")
    attributes = [
        {
            "variable": True,
            "code": field,
            "datatype": "string",
            "required": True,
            "datatype_description": "",
            "order": order,
            "description": REQUIRABLE_FIELDS[field],
        }
        for order, field in enumerate(category.required_fields or [], start=1)
        if field in REQUIRABLE_FIELDS
    ]
    return {"service_code": category.code, "attributes": attributes}


# ------------------------------------------------------------------------------------------ requests


def status_of(case: Case) -> str:
    return "closed" if case.state in FINAL_STATES else "open"


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def request_out(case: Case, *, full: bool) -> dict:
    notes = case.get_state_display()
    resolution = case.resolution if full else case.public_resolution()
    if case.state in (CaseState.RESOLVED, CaseState.EVALUATED, CaseState.CLOSED) and resolution:
        notes = f"{notes}：{resolution}"
    updated = max(
        (
            t
            for t in (
                case.submitted_at,
                case.triaged_at,
                case.dispatched_at,
                case.accepted_at,
                case.resolved_at,
                case.evaluated_at,
                case.closed_at,
            )
            if t
        ),
        default=case.submitted_at,
    )
    precision = 6 if full else 3
    media = None
    if full:
        photo = attachments_of(case, "photo").first()
        media = signed_url(photo) if photo else None
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": notes,
        "service_name": case.category.name if case.category_id else "",
        "service_code": case.category.code if case.category_id else "",
        # Without a key that may see the case, the public text: moderated, redacted (core.masking).
        "description": case.description if full else case.public_text(),
        "agency_responsible": case.handler.name if case.handler_id else "",
        "service_notice": "",
        "requested_datetime": _iso(case.submitted_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(case.due_at),
        "address": (case.address or case.region.name) if full else case.region.name,
        "address_id": case.region.code,
        "zipcode": "",
        "lat": round(case.lat, precision) if case.lat is not None else None,
        "long": round(case.lng, precision) if case.lng is not None else None,
        "media_url": media,
    }


def _parse_date(value: str, name: str) -> datetime.datetime:
    parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if parsed is None:
        raise Open311Error(400, f"{name} 不是有效的 W3C 日期时间（如 2026-11-01T00:00:00+08:00）")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _visible_numbers(user, cases: list[Case]) -> set[str]:
    if user is None:
        return set()
    return set(
        Case.objects.visible_to(user, "view")
        .filter(pk__in=[c.pk for c in cases])
        .values_list("number", flat=True)
    )


def _base_qs():
    return Case.objects.exclude(state=CaseState.MERGED).select_related("category", "handler", "region")


def list_requests(params, user=None) -> list[dict]:
    qs = _base_qs()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        # The spec: with service_request_id given, every other filter is ignored.
        cases = list(qs.filter(number__in=ids[:MAX_LIMIT]))
    else:
        end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
        start = (
            _parse_date(params["start_date"], "start_date")
            if params.get("start_date")
            else end - datetime.timedelta(days=DEFAULT_DAYS)
        )
        if start > end:
            raise Open311Error(400, "start_date 不能晚于 end_date")
        qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status 只能是 open 或 closed")
        if statuses == {"open"}:
            qs = qs.exclude(state__in=FINAL_STATES)
        elif statuses == {"closed"}:
            qs = qs.filter(state__in=FINAL_STATES)
        cases = list(qs.order_by("-submitted_at", "-id")[:MAX_LIMIT])
    visible = _visible_numbers(user, cases)
    return [request_out(c, full=c.number in visible) for c in cases]


def get_request(number: str, user=None) -> list[dict]:
    case = _base_qs().filter(number=number).first()
    if case is None:
        raise Open311Error(404, f"诉求 {number} 不存在")
    return [request_out(case, full=bool(_visible_numbers(user, [case])))]


def _region_for(params) -> tuple[Region, object | None]:
    address_id = (params.get("address_id") or "").strip()
    lat, lng = params.get("lat"), params.get("long")
    if address_id:
        region = Region.objects.filter(code=address_id).first()
        if region is None:
            raise Open311Error(400, f"address_id {address_id} 不存在")
        if region.level != "community":
            region = Region.objects.get_ancestors(region).filter(level="community").first()
        if region is None:
            raise Open311Error(400, "address_id 须为社区或其下级区划编码")
        return region, None
    if lat not in (None, "") and lng not in (None, ""):
        from grassroots.grids.models import Grid
        from grassroots.grids.routing import route_point

        try:
            hit = route_point(float(lng), float(lat))
        except (TypeError, ValueError):
            raise Open311Error(400, "lat / long 不是有效的坐标") from None
        if not hit.get("found"):
            raise Open311Error(400, "该位置不在本市任何网格内，请提供 address_id")
        info = hit["grid"]
        region = Region.objects.filter(code=info["community_code"], level="community").first()
        if region is None:
            raise Open311Error(400, "无法确定该位置所在的社区，请提供 address_id")
        return region, Grid.objects.filter(code=info["code"]).first()
    raise Open311Error(400, "须提供位置：lat 和 long，或 address_id")


def create_request(params, user) -> list[dict]:
    if user is None:
        raise Open311Error(403, "提交诉求须提供 api_key")
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = next((c for c in service_categories() if c.code == code), None)
    if category is None:
        raise Open311Error(404, f"服务 {code} 不存在")
    region, grid = _region_for(params)
    attrs = {
        k[len("attribute[") : -1]: v
        for k, v in params.items()
        if k.startswith("attribute[") and k.endswith("]")
    }
    name = " ".join(p for p in (params.get("last_name", ""), params.get("first_name", "")) if p).strip()
    phone = params.get("phone") or attrs.get("reporter_phone", "")
    try:
        with transaction.atomic():
            case = case_services.submit(
                user,
                channel=Channel.OPEN311,
                region=region,
                grid=grid,
                category=category,
                description=params.get("description", ""),
                lng=params.get("long") or None,
                lat=params.get("lat") or None,
                address=params.get("address_string") or attrs.get("address", ""),
                reporter_name=name or attrs.get("reporter_name", ""),
                reporter_phone=phone,
            )
    except ServiceError as exc:
        status = getattr(exc, "status", None) or 400
        raise Open311Error(status if status in (400, 403, 404, 409) else 400, exc.message) from None
    return [
        {
            "service_request_id": case.number,
            "service_notice": "已受理，可凭编号查询办理进度",
            "account_id": None,
        }
    ]


def token_lookup(token: str) -> list[dict]:
    """Requests are created synchronously, so a token is simply the request id: clients that poll
    tokens/{id} after POST get the id back at once."""
    case = _base_qs().filter(number=token).first()
    if case is None:
        raise Open311Error(404, f"令牌 {token} 不存在")
    return [{"service_request_id": case.number, "token": token}]


def discovery(base_url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": "请联系本市城市基层治理平台管理员",
        "key_service": "向平台管理员申请 API 令牌（api_key）",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


__all__ = [
    "Open311Error",
    "create_request",
    "discovery",
    "get_request",
    "list_requests",
    "service_categories",
    "service_definition",
    "service_out",
    "token_lookup",
    "user_for_key",
]
