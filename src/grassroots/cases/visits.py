"""Visits (GOV-7): contact-point visits and night visits (夜访民情) logged by community staff, and the
cases opened from what was heard on them (channel visit / night_visit, linked back to the visit)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers
from grassroots.regions.models import Region

from .models import Case, Category, Channel
from .services import _text, submit


def record_visit(
    user, *, kind: str, region: Region, visitor_name: str, visited_at, place: str, whom: str, heard: str
):
    """Log a contact-point visit or a night visit (夜访民情); needs cases.submit over the community."""
    from .models import Visit, VisitKind

    if kind not in VisitKind.values:
        raise ServiceError("请选择走访类型", field="kind")
    if region is None or region.level != "community":
        raise ServiceError("请选择走访的社区", field="region")
    visit = Visit(
        kind=kind,
        region=region,
        visitor=user,
        visitor_name=(visitor_name or "").strip()[:100],
        visited_at=visited_at,
        place=(place or "").strip()[:200],
        whom=(whom or "").strip()[:200],
        heard=_text(heard, "听取的意见", maximum=4000),
    )
    if not covers(user, visit, "submit"):
        if covers(user, visit, "view"):
            raise PermissionDenied("没有登记走访的权限")
        raise NotFound("社区不存在或不在您的管辖范围内")
    if not visit.visitor_name:
        raise ServiceError("请填写走访人", field="visitor_name")
    if not visit.place:
        raise ServiceError("请填写走访地点", field="place")
    if not visit.whom:
        raise ServiceError("请填写走访对象", field="whom")
    if visited_at is None or visited_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ServiceError("走访时间不能晚于现在", field="visited_at")
    with transaction.atomic():
        visit.save()
        audit.record_create(user, visit)
    return visit


def open_case_from_visit(user, visit, *, description: str, category: Category | None = None, **kw) -> Case:
    """A case heard on a visit: channel visit / night_visit, linked back to the visit."""
    from .models import VisitKind

    channel = Channel.NIGHT_VISIT if visit.kind == VisitKind.NIGHT else Channel.VISIT
    return submit(
        user,
        channel=channel,
        region=kw.pop("region", None) or visit.region,
        description=description,
        category=category,
        address=kw.pop("address", "") or visit.place,
        visit=visit,
        **kw,
    )
