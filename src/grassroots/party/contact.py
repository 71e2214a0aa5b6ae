"""组织找党员: members out of contact (流动党员, 失联党员), their contact logs, the ORG-11 rule and the
campaign figures per branch. Writes are in services.py (set_contact_status, log_contact)."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import ContactLog, Member, Whereabouts

RULE = "ORG-11"
DEFAULT_MONTHS = 6
OUT_OF_CONTACT = (Whereabouts.MOBILE, Whereabouts.LOST)


def months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stale_months() -> int:
    """ORG-11 no_contact_months from the Rule table (the default of RULES.md if a city removed it)."""
    from grassroots.core.rules import Rule

    rule = Rule.objects.filter(code=RULE).only("params").first()
    value = ((rule.params if rule else None) or {}).get("no_contact_months", DEFAULT_MONTHS)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else DEFAULT_MONTHS


def with_reference(qs):
    """Annotate `last_seen`: the last day the branch reached the member, else the day they went away."""
    return qs.annotate(last_seen=Coalesce("contact__last_contact_on", "contact__since", "joined_on"))


def out_of_contact(user, today: datetime.date | None = None):
    """Visible members recorded as 流动 or 失联 (annotated with `last_seen`), and the ORG-11 cutoff."""
    today = today or timezone.localdate()
    cutoff = months_before(today, stale_months())
    qs = with_reference(
        Member.objects.visible_to(user, "view")
        .filter(contact__status__in=OUT_OF_CONTACT)
        .select_related("contact", "party_org")
    )
    return qs, cutoff


def campaign_rows(user, org_path: str = "", today: datetime.date | None = None) -> tuple[list[dict], dict]:
    """Per branch: members out of contact (流动, 失联), those not reached for ORG-11 months, and those
    reached within that window (the campaign's progress). One GROUP BY query."""
    today = today or timezone.localdate()
    qs, cutoff = out_of_contact(user, today)
    if org_path:
        qs = qs.filter(party_org__path__startswith=org_path)
    rows = list(
        qs.values("party_org_id", "party_org__name", "party_org__code")
        .annotate(
            mobile=Count("id", filter=Q(contact__status=Whereabouts.MOBILE)),
            lost=Count("id", filter=Q(contact__status=Whereabouts.LOST)),
            stale=Count("id", filter=Q(last_seen__lt=cutoff)),
            reached=Count("id", filter=Q(contact__last_contact_on__gte=cutoff)),
        )
        .order_by("-stale", "-lost", "party_org__name")
    )
    totals = {k: sum(r[k] for r in rows) for k in ("mobile", "lost", "stale", "reached")}
    for r in rows + [totals]:
        count = r["mobile"] + r["lost"]
        r["total"] = count
        r["progress"] = round(100 * r["reached"] / count) if count else None
    totals["cutoff"] = cutoff
    return rows, totals


def recent_logs(member: Member, limit: int = 20) -> list[ContactLog]:
    return list(member.contact_logs.select_related("recorded_by")[:limit])


# ------------------------------------------------------------------------- ORG-11 health check
def check_org_11(c, rule) -> Iterator:
    """ORG-11: a 流动 or 失联 member the branch has not reached for [months] months (the last contact,
    else the day they went away, else the joining date)."""
    from grassroots.core.rules import MEMBER_FIELDS, Severity, int_param

    months = int_param(rule, "no_contact_months")
    cutoff = months_before(c.today, months)
    qs = (
        with_reference(c.members().filter(contact__status__in=OUT_OF_CONTACT))
        .filter(last_seen__lt=cutoff)
        .values(*MEMBER_FIELDS, "last_seen", "contact__status", "contact__last_contact_on")
    )
    labels = dict(Whereabouts.choices)
    for row in qs:
        last = (
            f"最近一次联系上是 {row['contact__last_contact_on']:%Y-%m-%d}"
            if row["contact__last_contact_on"]
            else "外出或失联后从未联系上"
        )
        severity = Severity.VIOLATION if row["contact__status"] == Whereabouts.LOST else Severity.WARNING
        yield c._member(
            rule, severity, row, f"{labels[row['contact__status']]}已 {months} 个月以上未联系上（{last}）"
        )
