"""Deputies' studios (代表委员工作室): studios, the published reception schedule, reception logs with the
matters residents raised, a matter turned into a case (诉求) and followed to its close, and the yearly
report per deputy. Every write: permission + scope, validated, atomic, audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from grassroots.core import audit
from grassroots.core import services as core
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.scoping import covers
from grassroots.regions.choices import RegionLevel

from .models import Deputy, Matter, Reception, ReceptionLog, Studio

# The case intake studios hand matters to. The cases app sits above people (a case names its grid,
# and grids their workers), so it provides its intake from its AppConfig.ready() instead of being
# imported here: {"submit": cases.services.submit, "channel": the 来电来访代录 channel}.
CASE_INTAKE: dict = {}


def provide_case_intake(submit, walk_in_channel) -> None:
    CASE_INTAKE.update(submit=submit, channel=walk_in_channel)


CLOSED_STATES = ("closed", "closed_unresolved", "evaluated", "merged")
MAX_MATTERS = 30


def _deputies(user, deputies) -> list[Deputy]:
    out = list(deputies or [])
    for d in out:
        if not covers(user, d, "view"):
            raise NotFound("代表委员不存在或不在您的管辖范围内")
    return out


def add_studio(user, *, deputies=(), **data) -> Studio:
    people = _deputies(user, deputies)
    with transaction.atomic():
        studio = core.create_object(user, Studio(**data))
        studio.deputies.set(people)
    return studio


def update_studio(user, studio: Studio, *, deputies=None, **changes) -> Studio:
    people = _deputies(user, deputies) if deputies is not None else None
    with transaction.atomic():
        studio = core.update_object(user, studio, changes)
        if people is not None:
            before = sorted(studio.deputies.values_list("pk", flat=True))
            studio.deputies.set(people)
            after = sorted(d.pk for d in people)
            if before != after:
                audit.record("update", studio, user=user, changes={"deputies": [before, after]})
    return studio


def schedule_reception(user, studio: Studio, *, deputies=(), publish: bool = False, **data) -> Reception:
    core.require_in_scope(user, studio, "change")
    people = _deputies(user, deputies)
    if not people:
        raise ServiceError("请选择值班的代表委员", field="deputies")
    if data.get("date") and data["date"] < timezone.localdate():
        raise ServiceError("接待日期不能早于今天", field="date")
    reception = Reception(studio=studio, **data)
    if publish:
        reception.published, reception.published_at = True, timezone.now()
    core.full_clean(reception)
    with transaction.atomic():
        reception.save()
        reception.deputies.set(people)
        audit.record_create(user, reception)
    return reception


def publish_reception(user, reception: Reception, *, published: bool = True) -> Reception:
    core.require_in_scope(user, reception, "change")
    if reception.published == published:
        raise ServiceError("该接待安排已发布" if published else "该接待安排尚未发布", status=409)
    if published and reception.date < timezone.localdate():
        raise ServiceError("已过去的接待日不能发布", status=409)
    before = "published" if reception.published else "draft"
    with transaction.atomic():
        reception.published = published
        reception.published_at = timezone.now() if published else None
        reception.save(update_fields=["published", "published_at"])
        audit.record_transition(user, reception, before, "published" if published else "draft")
    return reception


def _matter_lines(matters) -> list[str]:
    lines = [m.strip() for m in (matters or []) if m and m.strip()]
    if len(lines) > MAX_MATTERS:
        raise ServiceError(f"一次最多登记 {MAX_MATTERS} 个反映事项", field="matters")
    for m in lines:
        if len(m) > 500:
            raise ServiceError("每个反映事项不能超过 500 字", field="matters")
    return lines


def log_reception(
    user,
    studio: Studio,
    *,
    held_on: datetime.date,
    residents: int,
    deputies=(),
    summary: str = "",
    matters=(),
    reception: Reception | None = None,
) -> ReceptionLog:
    core.require_in_scope(user, studio, "change")
    people = _deputies(user, deputies)
    if not people:
        raise ServiceError("请选择参加接待的代表委员", field="deputies")
    if reception is not None:
        if reception.studio_id != studio.pk:
            raise ServiceError("接待安排不属于该工作室", field="reception")
        if ReceptionLog.objects.filter(reception=reception).exists():
            raise ServiceError("该接待安排已登记接待记录", field="reception", status=409)
    lines = _matter_lines(matters)
    log = ReceptionLog(
        studio=studio,
        reception=reception,
        held_on=held_on,
        residents=residents,
        summary=(summary or "").strip(),
        recorded_by=user,
    )
    core.full_clean(log)
    if lines and residents == 0:
        raise ServiceError("有反映事项时接待群众人数不能为 0", field="residents")
    with transaction.atomic():
        log.save()
        log.deputies.set(people)
        Matter.objects.bulk_create([Matter(log=log, text=t) for t in lines])
        audit.record_create(user, log)
    return log


def add_matter(user, log: ReceptionLog, text: str) -> Matter:
    core.require_in_scope(user, log, "change")
    lines = _matter_lines([text])
    if not lines:
        raise ServiceError("请填写反映事项", field="text")
    matter = Matter(log=log, text=lines[0])
    with transaction.atomic():
        matter.save()
        audit.record_create(user, matter)
    return matter


def matter_to_case(user, matter: Matter, *, region=None, category=None, description: str = ""):
    """Turn a matter into a case (channel 来电来访代录) in the studio's community (or `region` for a
    street studio), linked back to the matter so its state is followed on the reception log."""
    core.require_in_scope(user, matter, "change")
    if matter.case_id is not None:
        raise ServiceError("该事项已转为诉求", status=409)
    studio = matter.log.studio
    if region is None and studio.region.level == RegionLevel.COMMUNITY:
        region = studio.region
    if region is None:
        raise ServiceError("工作室设在街道，请选择问题所在社区", field="region")
    if not region.path.startswith(studio.region.path):
        raise ServiceError("问题所在社区须在工作室所在街道内", field="region")
    deputies = "、".join(d.name for d in matter.log.deputies.all())
    text = (description or "").strip() or matter.text
    with transaction.atomic():
        case = CASE_INTAKE["submit"](
            user,
            channel=CASE_INTAKE["channel"],
            region=region,
            category=category,
            description=f"{text}（{studio.name} {matter.log.held_on:%Y-%m-%d} 接待，代表委员：{deputies}）",
            address=studio.address,
        )
        matter.case = case
        matter.save(update_fields=["case"])
        audit.record("update", matter, user=user, changes={"case": [None, case.number]})
    return case


# ---- yearly report per deputy ------------------------------------------------------------------


@dataclass
class DeputyYear:
    deputy: Deputy
    year: int
    scheduled: int
    receptions: int
    residents: int
    matters: int
    cases: int
    closed: int

    @property
    def close_rate(self) -> str:
        return f"{self.closed * 100 // self.cases}%" if self.cases else "—"


def deputy_reports(deputies, year: int) -> list[DeputyYear]:
    """One row per deputy: receptions scheduled and attended, residents received, matters raised,
    cases opened and closed in the year (four grouped queries, whatever the number of deputies)."""
    deputies = list(deputies)
    ids = [d.pk for d in deputies]
    logs = (
        ReceptionLog.deputies.through.objects.filter(deputy_id__in=ids, receptionlog__held_on__year=year)
        .values_list("deputy_id")
        .annotate(n=Count("receptionlog_id", distinct=True))
        .order_by()
    )
    scheduled = (
        Reception.deputies.through.objects.filter(deputy_id__in=ids, reception__date__year=year)
        .values_list("deputy_id")
        .annotate(n=Count("reception_id", distinct=True))
        .order_by()
    )
    residents = dict(
        ReceptionLog.objects.filter(deputies__in=ids, held_on__year=year)
        .values_list("deputies")
        .annotate(n=Sum("residents"))
        .order_by()
    )
    matters = {
        r["log__deputies"]: r
        for r in Matter.objects.filter(log__deputies__in=ids, log__held_on__year=year)
        .values("log__deputies")
        .annotate(
            n=Count("id"),
            cases=Count("case"),
            closed=Count("case", filter=Q(case__state__in=CLOSED_STATES)),
        )
        .order_by()
    }
    logs, scheduled = dict(logs), dict(scheduled)
    return [
        DeputyYear(
            deputy=d,
            year=year,
            scheduled=scheduled.get(d.pk, 0),
            receptions=logs.get(d.pk, 0),
            residents=residents.get(d.pk) or 0,
            matters=matters.get(d.pk, {}).get("n", 0),
            cases=matters.get(d.pk, {}).get("cases", 0),
            closed=matters.get(d.pk, {}).get("closed", 0),
        )
        for d in deputies
    ]
