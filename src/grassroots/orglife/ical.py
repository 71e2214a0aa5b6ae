"""iCalendar feeds (per org, per user through a secret token URL) and the check-in QR code."""

from __future__ import annotations

import datetime

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from grassroots.core import audit
from grassroots.core.models import AuditAction

from .models import Activity, ActivityStatus, CalendarToken, Signup, SignupStatus

# Feeds carry activities from this long ago to this far ahead.
FEED_PAST = datetime.timedelta(days=60)
FEED_AHEAD = datetime.timedelta(days=366)


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (no external service, no script)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=8, dark="#1d273b", light="#ffffff", border=2)


def has_token(user) -> bool:
    return CalendarToken.objects.filter(user=user).exists()


def issue_token(user) -> str:
    """Make (or replace: the old URL stops working) the user's feed token; returns the raw token, which
    is shown once and never stored (only its hash is)."""
    with transaction.atomic():
        _row, raw, replaced = CalendarToken.issue(user)
        audit.record(
            AuditAction.TOKEN,
            None,
            user=user,
            model_label="orglife.calendartoken",
            object_repr=f"{user} 的日历订阅地址",
            changes={"calendar_token": [None, "重置" if replaced else "生成"]},
        )
    return raw


def user_for_token(token: str):
    return CalendarToken.user_for(token)


def _window(qs):
    now = timezone.now()
    return (
        qs.filter(starts_at__gte=now - FEED_PAST, starts_at__lte=now + FEED_AHEAD)
        .exclude(status=ActivityStatus.PLAN)
        .select_related("party_org")
        .order_by("starts_at")
    )


def user_feed(user):
    """Activities the user signed up for, and published activities of the user's own branch."""
    mine = Signup.objects.filter(user=user).exclude(status=SignupStatus.CANCELLED).values("activity_id")
    qs = Activity.objects.visible_to(user).filter(pk__in=mine)
    from grassroots.party.models import Member

    member = Member.objects.filter(user=user).select_related("party_org").first()
    if member is not None:
        branch_path = member.party_org.path
        own = Activity.objects.visible_to(user).filter(party_org__path=branch_path)
        qs = qs | own
    return _calendar("我的活动", _window(qs.distinct()))


def org_feed(user, org):
    qs = Activity.objects.visible_to(user).filter(party_org__path__startswith=org.path)
    return _calendar(f"{org.name} 活动", _window(qs))


def _calendar(name: str, activities) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Grassroots//orglife//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    host = (settings.ALLOWED_HOSTS or ["grassroots"])[0].lstrip(".") or "grassroots"
    if host == "*":
        host = "grassroots"
    stamp = timezone.now()
    for a in activities:
        ev = Event()
        ev.add("uid", f"orglife-activity-{a.pk}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", a.starts_at)
        ev.add("dtend", a.ends_at)
        title = a.title if a.status != ActivityStatus.CANCELLED else f"【已取消】{a.title}"
        ev.add("summary", title)
        if a.place:
            ev.add("location", a.place)
        who = f"{a.party_org.name} · " if a.party_org_id else ""
        ev.add("description", f"{who}{a.get_kind_display()}\n{a.description}".strip())
        ev.add("status", "CANCELLED" if a.status == ActivityStatus.CANCELLED else "CONFIRMED")
        ev.add("sequence", a.version)
        cal.add_component(ev)
    return cal


def response(cal: Calendar, name: str) -> HttpResponse:
    resp = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="{name}.ics"'
    resp["Cache-Control"] = "private, max-age=300"
    return resp
