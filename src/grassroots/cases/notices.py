"""Periodic notices of the cases app (scheduled in cases.tasks): 临期 / 超期 notices to the handler's
members once per case, state and handling round, and the weekly notice that a needed holiday
calendar is missing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import Case, Handler
from .services import _notify

# A threshold crossed longer ago than this is not announced any more: bounds the first run after an
# upgrade (or a long stop of the scheduler) to recent cases instead of every old overdue case.
NOTICE_LOOKBACK = dt.timedelta(days=2)
CALENDAR_NOTICE_EVERY = dt.timedelta(days=7)
CALENDAR_ROLES = ("street_admin", "district_admin", "city_admin")


def send_deadline_notices(now=None) -> dict[str, int]:
    """临期 / 超期 (GOV-5 alerts): tell the members of the handler, once per case and state per handling
    round (a reopened case is due again and is told again). Idempotent: run it as often as you like."""
    from django.db.models import Q

    from grassroots.notifications.models import Notification

    from .analytics import due_soon_q, overdue_q

    now = now or timezone.now()
    since = now - NOTICE_LOOKBACK
    kinds = {
        "cases.due_soon": (
            due_soon_q(now) & Q(due_soon_at__gt=since),
            "工单临期：{n}",
            "办理期限 {due}，请抓紧办理。",
        ),
        "cases.overdue": (
            overdue_q(now) & Q(due_at__gt=since),
            "工单超期：{n}",
            "已超过办理期限 {due}，请尽快办结。",
        ),
    }
    sent = {}
    for kind, (q, title, body) in kinds.items():
        cases = list(
            Case.objects.filter(q, handler__isnull=False)
            .select_related("handler")
            .only("pk", "number", "due_at", "dispatched_at", "handler")
            .order_by("due_at", "id")
        )
        told = {}
        for oid, at in Notification.objects.filter(
            kind=kind, object_label="cases.case", object_id__in=[str(c.pk) for c in cases]
        ).values_list("object_id", "created_at"):
            told[oid] = max(at, told.get(oid, at))
        members = {}
        for h in Handler.objects.filter(pk__in={c.handler_id for c in cases}).prefetch_related("members"):
            members[h.pk] = [u for u in h.members.all() if u.is_active]
        count = 0
        for case in cases:
            last = told.get(str(case.pk))
            if last is not None and (case.dispatched_at is None or last >= case.dispatched_at):
                continue
            users = members.get(case.handler_id, [])
            if not users:
                continue
            due = f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}"
            with transaction.atomic():
                _notify(users, kind, title.format(n=case.number), body.format(due=due), case)
            count += 1
        sent[kind] = count
    return sent


def calendar_notice_years(now=None) -> list[int]:
    """Years whose official holiday calendar is missing and needed: this year, and next year once a
    deadline started today could end in it (the longest working-day deadline of the active categories
    spans at most N*3 + 30 calendar days, as in workdays.compute_deadline)."""
    from django.db.models import Max

    from .models import Category
    from .workdays import missing_calendar_years

    today = timezone.localdate(now or timezone.now())
    longest = (
        Category.objects.filter(is_active=True, deadline_unit="working_days").aggregate(
            m=Max("deadline_value")
        )["m"]
        or 0
    )
    years = [today.year]
    if (today + dt.timedelta(days=longest * 3 + 30)).year > today.year:
        years.append(today.year + 1)
    return missing_calendar_years(years)


def send_calendar_notices(now=None) -> int:
    """Tell street, district and city administrators that a needed holiday calendar is missing (due
    dates across it would be wrong), once a week each, until it is loaded. Returns users told."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from grassroots.notifications.models import Notification

    now = now or timezone.now()
    years = calendar_notice_years(now)
    if not years:
        return 0
    recent = Notification.objects.filter(
        kind="cases.calendar_missing", created_at__gt=now - CALENDAR_NOTICE_EVERY
    )
    users = list(
        get_user_model()
        .objects.filter(is_active=True, assignments__role__code__in=CALENDAR_ROLES)
        .exclude(pk__in=recent.values("user_id"))
        .distinct()
    )
    if not users:
        return 0
    from grassroots.notifications.services import notify

    label = "、".join(f"{y} 年" for y in years)
    notify(
        users,
        kind="cases.calendar_missing",
        title=f"缺少{label}节假日安排",
        body=f"系统中没有{label}的法定节假日和调休安排，跨年诉求的办理期限将按普通工作日计算，"
        "请系统管理员在“诉求办理配置 · 节假日”中录入国务院办公厅公布的安排。",
        url=reverse("cases:config", args=["holidays"]),
    )
    return len(users)
