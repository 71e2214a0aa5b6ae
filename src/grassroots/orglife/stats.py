"""Counting organisational life against the LIFE-* rules, and figures for pages and indicators.

A party-life activity counts toward a branch's obligations only when it is done, has minutes and has
recorded attendance (at least one attended person); activities of the branch's groups count for the
branch. Which orgs a rule applies to: every 党支部; LIFE-2 (支委会) only branches with a committee
(committee_size > 0); LIFE-3 (党小组会) every 党小组 on its own (a group's meetings count for that group
only; a branch is met for LIFE-3 when each of its groups is). An org established after a period ends
is not judged for it.

All counts are set-based: one grouped query per rule (counts per org path and month, rolled up to
the branches in Python), never a query per branch.

Contracts:
- `life_compliance(org_paths_or_region, period) -> dict` for the standards indicators.
- `home_figures(user) -> list[dict(label, value, url)]` for the home page.
- `evaluate(branches, rules, periods_by_rule, today)` the engine behind both, the branch page and the
  LIFE-* health checks.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from grassroots.party.choices import OrgKind
from grassroots.party.models import PartyOrg

from .models import PARTY_LIFE_KINDS, Activity, ActivityKind, ActivityStatus, Signup, SignupStatus
from .periods import Period, parse_period, period_of, periods_back, periods_between

STEPLEN = PartyOrg.steplen
LIFE_CODES = [f"LIFE-{i}" for i in range(1, 8)]
BRANCH_FIELDS = (
    "id",
    "code",
    "name",
    "path",
    "committee_size",
    "numchild",
    "established_on",
    "region__path",
    "region__name",
)

MET, DUE, MISSED, NA = "met", "due", "missed", "na"
STATE_LABELS = {MET: "已完成", DUE: "待完成", MISSED: "未完成", NA: "不适用"}
STATE_BADGES = {MET: "bg-green-lt", DUE: "bg-orange-lt", MISSED: "bg-red-lt", NA: "bg-secondary-lt"}


@dataclass(frozen=True, slots=True)
class PeriodState:
    period: Period
    count: int
    required: int
    state: str  # met / due / missed / na

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]


def local_start(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def counted_activities():
    """Party-life activities that count: done, with minutes, with recorded attendance."""
    attended = Signup.objects.filter(activity=OuterRef("pk"), status=SignupStatus.ATTENDED)
    return (
        Activity.objects.filter(
            status=ActivityStatus.DONE, kind__in=PARTY_LIFE_KINDS, party_org__isnull=False
        )
        .exclude(minutes="")
        .filter(Exists(attended))
    )


def life_rules(codes=None) -> list:
    from grassroots.core.rules import Rule

    qs = Rule.objects.filter(code__in=codes or LIFE_CODES, enabled=True)
    return sorted(qs, key=lambda r: int(r.code.split("-")[1]))


def rule_kind(rule) -> tuple[str, str, int]:
    params = rule.params or {}
    kind, period, n = params.get("kind"), params.get("period"), params.get("min_count", 1)
    if kind not in ActivityKind.values or period not in ("month", "quarter", "half_year", "year"):
        raise ValueError(f"{rule.code} 的参数 kind/period 不正确")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{rule.code} 的参数 min_count 不是正整数")
    return kind, period, n


def applies(rule_code: str, branch: dict, period: Period) -> bool:
    if rule_code == "LIFE-2" and not branch["committee_size"]:
        return False
    est = branch.get("established_on")
    return not (est and est >= period.end)


def _branch_of(path: str, branch_paths: set[str]) -> str | None:
    for k in range(len(path), STEPLEN - 1, -STEPLEN):
        if path[:k] in branch_paths:
            return path[:k]
    return None


def grouped_counts(kind: str, start: datetime.date, end: datetime.date, branch_paths: set[str]):
    """{branch path: {month start date: count}} of counted activities of `kind` in [start, end)."""
    if not branch_paths:
        return {}
    prefix = _subtrees_q(branch_paths)
    rows = (
        counted_activities()
        .filter(prefix, kind=kind, starts_at__gte=local_start(start), starts_at__lt=local_start(end))
        .annotate(month=TruncMonth("starts_at"))
        .values("party_org__path", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        branch = _branch_of(row["party_org__path"], branch_paths)
        if branch is None:
            continue
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        out[branch][month.replace(day=1)] += row["n"]
    return out


MAX_PREFIXES = 200  # SQLite refuses expression trees deeper than 1000; a city has thousands of branches


def _subtrees_q(paths: Iterable[str], field: str = "party_org__path") -> Q:
    """Activities under any of `paths`: an OR of prefixes for a few subtrees; for many (a city-wide run)
    their common ancestor, the rows outside the branches being dropped by _branch_of afterwards."""
    roots = _roots(paths)
    if len(roots) <= MAX_PREFIXES:
        q = Q()
        for p in roots:
            q |= Q(**{f"{field}__startswith": p})
        return q
    common = os.path.commonprefix(roots)
    common = common[: len(common) - len(common) % STEPLEN]
    return Q(**{f"{field}__startswith": common}) if common else Q()


def group_rows(branches: list[dict]) -> dict[str, list[dict]]:
    """{branch path: [its 党小组 rows]} in one query (groups are the branches' children)."""
    paths = {b["path"] for b in branches}
    if not paths:
        return {}
    out: dict[str, list[dict]] = defaultdict(list)
    rows = (
        PartyOrg.objects.filter(_subtrees_q(paths, "path"), kind=OrgKind.GROUP)
        .order_by("path")
        .values(*BRANCH_FIELDS)
    )
    for row in rows:
        branch = _branch_of(row["path"][:-STEPLEN], paths)
        if branch is not None:
            out[branch].append(row)
    return out


def _state(n: int, need: int, period: Period, today, applicable: bool) -> str:
    if not applicable:
        return NA
    if n >= need:
        return MET
    return MISSED if period.end <= today else DUE


def _roots(paths: Iterable[str]) -> list[str]:
    """The minimal set of prefixes covering `paths` (keeps the OR short)."""
    out: list[str] = []
    for p in sorted(paths):
        if not out or not p.startswith(out[-1]):
            out.append(p)
    return out


def evaluate(branches: list[dict], rules: list, periods_by_rule: dict[str, list[Period]], today):
    """{(org id, rule code): [PeriodState...]} for the given periods of each rule.

    Each rule is judged for the org that owes it: LIFE-3 (党小组会) for every 党小组 of the branch
    (keyed by the group's id); the branch's own LIFE-3 state then counts its groups that met against its
    groups (met only when every group met). Other LIFE rules are judged per branch, counting the
    activities of the branch and its groups."""
    paths = {b["path"] for b in branches}
    result: dict[tuple[int, str], list[PeriodState]] = {}
    groups_by_branch = None
    for rule in rules:
        kind, _period_kind, need = rule_kind(rule)
        periods = periods_by_rule.get(rule.code) or []
        if not periods:
            continue
        if kind == ActivityKind.GROUP_MEETING:
            if groups_by_branch is None:
                groups_by_branch = group_rows(branches)
            _evaluate_groups(rule, need, periods, branches, groups_by_branch, today, result)
            continue
        counts = grouped_counts(kind, periods[0].start, periods[-1].end, paths)
        for b in branches:
            states = []
            months = counts.get(b["path"], {})
            for p in periods:
                n = sum(v for month, v in months.items() if p.contains(month))
                states.append(PeriodState(p, n, need, _state(n, need, p, today, applies(rule.code, b, p))))
            result[(b["id"], rule.code)] = states
    return result


def _evaluate_groups(rule, need, periods, branches, groups_by_branch, today, result) -> None:
    group_paths = {g["path"] for gs in groups_by_branch.values() for g in gs}
    counts = grouped_counts(ActivityKind.GROUP_MEETING, periods[0].start, periods[-1].end, group_paths)
    for b in branches:
        groups = groups_by_branch.get(b["path"], [])
        per_group = []
        for g in groups:
            months = counts.get(g["path"], {})
            states = []
            for p in periods:
                n = sum(v for month, v in months.items() if p.contains(month))
                est = g.get("established_on")
                states.append(PeriodState(p, n, need, _state(n, need, p, today, not (est and est >= p.end))))
            result[(g["id"], rule.code)] = states
            per_group.append(states)
        states = []
        for i, p in enumerate(periods):
            judged = [gs[i] for gs in per_group if gs[i].state != NA]
            met = sum(1 for s in judged if s.state == MET)
            est = b.get("established_on")
            applicable = bool(judged) and not (est and est >= p.end)
            states.append(PeriodState(p, met, len(judged), _state(met, len(judged), p, today, applicable)))
        result[(b["id"], rule.code)] = states


def last_activity(branches: list[dict]) -> dict[int, datetime.datetime | None]:
    """{branch id: start of its latest done activity (its own or its groups')}, one grouped query."""
    paths = {b["path"]: b["id"] for b in branches}
    out: dict[int, datetime.datetime | None] = dict.fromkeys(paths.values())
    if not paths:
        return out
    prefix = _subtrees_q(paths)
    rows = (
        Activity.objects.filter(prefix, status=ActivityStatus.DONE)
        .values("party_org__path")
        .annotate(last=Max("starts_at"))
        .order_by()
    )
    for row in rows:
        branch = _branch_of(row["party_org__path"], set(paths))
        if branch is None:
            continue
        bid = paths[branch]
        if out[bid] is None or row["last"] > out[bid]:
            out[bid] = row["last"]
    return out


def branch_rows(orgs_qs) -> list[dict]:
    return list(orgs_qs.filter(kind=OrgKind.BRANCH).order_by("path").values(*BRANCH_FIELDS))


def history(branch: PartyOrg, today: datetime.date | None = None) -> list[dict]:
    """The branch page: each LIFE rule with its current and past periods (12 months, 5 quarters,
    3 half-years, 3 years), newest last."""
    today = today or timezone.localdate()
    row = {f: getattr(branch, f) for f in BRANCH_FIELDS if not f.startswith("region__")}
    row.update(region__path=branch.region.path, region__name=branch.region.name)
    back = {"month": 12, "quarter": 5, "half_year": 3, "year": 3}
    rules = life_rules()
    periods_by_rule = {}
    for rule in rules:
        _kind, period_kind, _n = rule_kind(rule)
        periods_by_rule[rule.code] = periods_back(today, period_kind, back[period_kind])
    states = evaluate([row], rules, periods_by_rule, today)
    return [{"rule": r, "periods": states.get((branch.pk, r.code), [])} for r in rules]


# indicators ----------------------------------------------------------------------------------------
def _branches_for(org_paths_or_region) -> list[dict]:
    from grassroots.regions.models import Region

    qs = PartyOrg.objects.all()
    if isinstance(org_paths_or_region, Region):
        qs = qs.filter(region__path__startswith=org_paths_or_region.path)
    elif hasattr(org_paths_or_region, "model") and org_paths_or_region.model is PartyOrg:
        qs = org_paths_or_region
    else:
        paths = [p.path if isinstance(p, PartyOrg) else str(p) for p in org_paths_or_region]
        q = Q()
        for p in _roots(paths):
            q |= Q(path__startswith=p)
        qs = qs.filter(q) if paths else qs.none()
    return branch_rows(qs.select_related(None))


def life_compliance(org_paths_or_region, period, today: datetime.date | None = None) -> dict:
    """Organisational-life compliance of the branches under a Region, a PartyOrg queryset, or a list of
    org paths (or PartyOrg objects), over `period` ("2026", "2026-H1", "2026-Q3", "2026-10", a
    periods.Period, or a (start, end) pair of dates, end exclusive).

    Each applicable LIFE-1..7 rule is judged on the rule's own calendar periods lying inside the
    period; a period that has ended is met or missed; the current period counts only once met (it
    can't be missed yet). Returns
    {"start", "end", "branches", "compliant", "rate", "rules": {code: {"name", "judged", "met",
    "rate"}}, "rows": [{"id", "code", "name", "region_name", "judged", "met", "missed": [labels],
    "compliant"}]}; rates are 0..1 or None when nothing could be judged yet.

    Each branch's judgement is read from BranchLife (judged today), computed and stored for the
    branches that have none.
    """
    today = today or timezone.localdate()
    if isinstance(period, str):
        period = parse_period(period)
    if isinstance(period, Period):
        start, end = period.start, period.end
    else:
        start, end = period
    branches = _branches_for(org_paths_or_region)
    rules = life_rules()
    judged_by = stored_judgements(branches, rules, start, end, today)
    per_rule = {r.code: {"name": r.title, "judged": 0, "met": 0} for r in rules}
    rows = []
    compliant = 0
    judged_branches = 0
    for b in branches:
        j = judged_by[b["id"]]
        judged, met, missed = j["judged"], j["met"], j["missed"]
        for code, (rj, rm) in j["per_rule"].items():
            if code in per_rule:
                per_rule[code]["judged"] += rj
                per_rule[code]["met"] += rm
        ok = judged > 0 and not missed
        if judged:
            judged_branches += 1
            compliant += ok
        rows.append(
            {
                "id": b["id"],
                "code": b["code"],
                "name": b["name"],
                "region_name": b["region__name"],
                "judged": judged,
                "met": met,
                "missed": missed,
                "compliant": ok,
                "rate": (met / judged) if judged else None,
            }
        )
    for v in per_rule.values():
        v["rate"] = (v["met"] / v["judged"]) if v["judged"] else None
    return {
        "start": start,
        "end": end,
        "branches": len(branches),
        "judged_branches": judged_branches,
        "compliant": compliant,
        "rate": (compliant / judged_branches) if judged_branches else None,
        "rules": per_rule,
        "rows": rows,
    }


def life_compliance_rate(orgs_qs, period: Period, today: datetime.date | None = None) -> float | None:
    """life_compliance(orgs_qs, period)["rate"] counted in SQL over the stored judgements (BranchLife
    rows judged today) instead of loading every branch's row: the home figure of a city administrator
    covers some ten thousand branches. When a branch has no stored row yet, life_compliance judges and
    stores the missing ones first (same figure either way)."""
    from .models import BranchLife

    today = today or timezone.localdate()
    branches = orgs_qs.filter(kind=OrgKind.BRANCH).select_related(None).order_by()
    counts = BranchLife.objects.filter(
        start=period.start, end=period.end, computed_on=today, org__in=branches.values("pk")
    ).aggregate(
        n_rows=Count("id"),
        n_judged=Count("id", filter=Q(judged__gt=0)),
        n_compliant=Count("id", filter=Q(judged__gt=0, missed=[])),
    )
    if counts["n_rows"] < branches.count():
        return life_compliance(orgs_qs, period, today=today)["rate"]
    return (counts["n_compliant"] / counts["n_judged"]) if counts["n_judged"] else None


def _periods_by_rule(rules, start, end, today) -> dict:
    periods_by_rule = {}
    for rule in rules:
        _kind, period_kind, _n = rule_kind(rule)
        ps = periods_between(start, end, period_kind)
        if not ps and start <= today < end:
            # A short window (a month) inside a longer rule period: judge the enclosing period if met.
            ps = [period_of(start, period_kind)]
        periods_by_rule[rule.code] = ps
    return periods_by_rule


def judge(branches: list[dict], rules, start, end, today) -> dict[int, dict]:
    """{branch id: {"judged", "met", "missed": [labels], "per_rule": {code: [judged, met]}}} over the
    window [start, end), computed from the activities (the engine behind life_compliance)."""
    states = evaluate(branches, rules, _periods_by_rule(rules, start, end, today), today)
    out = {}
    for b in branches:
        judged = met = 0
        missed = []
        per_rule = {}
        for rule in rules:
            rj = rm = 0
            for s in states.get((b["id"], rule.code), []):
                if s.state == NA or (s.state == DUE):
                    continue
                if s.period.end > end and s.state != MET:
                    continue
                rj += 1
                if s.state == MET:
                    rm += 1
                else:
                    missed.append(f"{rule.title}（{s.period.label}）")
            judged += rj
            met += rm
            if rj:
                per_rule[rule.code] = [rj, rm]
        out[b["id"]] = {"judged": judged, "met": met, "missed": missed, "per_rule": per_rule}
    return out


STORE_CHUNK = 2000


def stored_judgements(branches: list[dict], rules, start, end, today) -> dict[int, dict]:
    """judge() read from BranchLife rows judged today; the branches without one are judged now (in one
    evaluation) and stored."""
    from .models import BranchLife

    ids = [b["id"] for b in branches]
    out: dict[int, dict] = {}
    for i in range(0, len(ids), STORE_CHUNK):
        for row in BranchLife.objects.filter(
            start=start, end=end, computed_on=today, org_id__in=ids[i : i + STORE_CHUNK]
        ).values("org_id", "judged", "met", "missed", "per_rule"):
            out[row.pop("org_id")] = row
    missing = [b for b in branches if b["id"] not in out]
    if missing:
        fresh = judge(missing, rules, start, end, today)
        out.update(fresh)
        _store(fresh, start, end, today)
    return out


def _store(judged: dict[int, dict], start, end, today) -> None:
    from django.db import IntegrityError, transaction

    from .models import BranchLife

    ids = list(judged)
    rows = [
        BranchLife(org_id=pk, start=start, end=end, computed_on=today, **values)
        for pk, values in judged.items()
    ]
    try:
        with transaction.atomic():
            for i in range(0, len(ids), STORE_CHUNK):
                BranchLife.objects.filter(start=start, end=end, org_id__in=ids[i : i + STORE_CHUNK]).delete()
            BranchLife.objects.bulk_create(rows, batch_size=1000)
    except IntegrityError:
        pass  # a concurrent request stored the same rows: theirs are as good


def refresh_stored(today: datetime.date | None = None) -> int:
    """The nightly summary: every branch judged for the current year and for last month (the windows of
    the statistics page's default and of the home figure); older rows are dropped."""
    from .models import BranchLife

    today = today or timezone.localdate()
    BranchLife.objects.all().delete()
    branches = branch_rows(PartyOrg.objects.all())
    rules = life_rules()
    written = 0
    for period in (period_of(today, "year"), period_of(today, "month").previous()):
        fresh = judge(branches, rules, period.start, period.end, today)
        _store(fresh, period.start, period.end, today)
        written += len(fresh)
    return written


def _forget_paths(paths: Iterable[str]) -> None:
    """Drop the stored judgements of the orgs at these paths and above them (a group's branch)."""
    from .models import BranchLife

    prefixes = {p[:k] for p in paths if p for k in range(STEPLEN, len(p) + 1, STEPLEN)}
    if prefixes:
        BranchLife.objects.filter(org__path__in=prefixes).delete()


def _on_activity(sender, instance, **kwargs):
    if instance.party_org_id:
        _forget_paths(PartyOrg.objects.filter(pk=instance.party_org_id).values_list("path", flat=True))


def _on_signup(sender, instance, **kwargs):
    row = (
        Activity.objects.filter(pk=instance.activity_id, party_org__isnull=False)
        .values_list("party_org__path", flat=True)
        .first()
    )
    if row:
        _forget_paths([row])


def _on_org(sender, instance, **kwargs):
    _forget_paths([instance.path])


def _on_rule(sender, instance, **kwargs):
    from .models import BranchLife

    if instance.code in LIFE_CODES:
        BranchLife.objects.all().delete()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(_on_activity, sender=Activity, dispatch_uid=f"orglife.life.activity_{name}")
        signal.connect(_on_signup, sender=Signup, dispatch_uid=f"orglife.life.signup_{name}")
        signal.connect(_on_org, sender=PartyOrg, dispatch_uid=f"orglife.life.org_{name}")
    # A lazy sender: the rule table belongs to standards, which sits above this app.
    post_save.connect(_on_rule, sender="standards.Rule", dispatch_uid="orglife.life.rule")


def activity_stats(activities_qs) -> dict:
    """Activities by kind (planned, done, counted) and the attendance rate of done activities."""
    by_kind = {k: {"label": label, "total": 0, "done": 0} for k, label in ActivityKind.choices}
    rows = (
        activities_qs.exclude(status=ActivityStatus.CANCELLED)
        .values("kind")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status=ActivityStatus.DONE)))
        .order_by()
    )
    for row in rows:
        by_kind[row["kind"]].update(total=row["total"], done=row["done"])
    att = Signup.objects.filter(
        activity__in=activities_qs.filter(status=ActivityStatus.DONE).values("pk")
    ).aggregate(
        attended=Count("id", filter=Q(status=SignupStatus.ATTENDED)),
        absent=Count("id", filter=Q(status__in=[SignupStatus.ABSENT, SignupStatus.SIGNED_UP])),
    )
    expected = att["attended"] + att["absent"]
    return {
        "by_kind": by_kind,
        "total": sum(v["total"] for v in by_kind.values()),
        "done": sum(v["done"] for v in by_kind.values()),
        "attended": att["attended"],
        "expected": expected,
        "attendance_rate": (att["attended"] / expected) if expected else None,
    }


def served_activity_stats(user, period: Period, within: str | None = None) -> dict:
    """activity_stats over the activities the user may see that start in `period` (under the region
    path `within`), read from the precomputed buckets (orglife.figures; one query)."""
    from grassroots.core.tallies import served, total

    lo, hi = period.start.strftime("%Y-%m"), period.end.strftime("%Y-%m")

    def in_period(key: str) -> bool:
        return lo <= key[:7] < hi

    codes = ["orglife.activities", "orglife.activities_done", "orglife.attended", "orglife.expected_absent"]
    v = served(user, codes, within=within, ranges=dict.fromkeys(codes, (lo, hi)))
    by_kind = {k: {"label": label, "total": 0, "done": 0} for k, label in ActivityKind.choices}
    for field, code in (("total", "orglife.activities"), ("done", "orglife.activities_done")):
        for key, n in v[code].items():
            month, _sep, kind = key.partition("|")
            if in_period(month) and kind in by_kind:
                by_kind[kind][field] += int(n)
    att = int(total(v["orglife.attended"], in_period))
    expected = att + int(total(v["orglife.expected_absent"], in_period))
    return {
        "by_kind": by_kind,
        "total": sum(x["total"] for x in by_kind.values()),
        "done": sum(x["done"] for x in by_kind.values()),
        "attended": att,
        "expected": expected,
        "attendance_rate": (att / expected) if expected else None,
    }


def home_figures(user) -> list[dict]:
    """Figures for the home page, within the user's scope: activities done this month and upcoming ones
    (from the precomputed buckets, orglife.figures), last month's organisational-life compliance rate
    (BranchLife), and the user's own upcoming sign-ups (their own rows)."""
    from grassroots.core.scoping import has_perm
    from grassroots.core.tallies import hour_now, served, total

    if not has_perm(user, "orglife.view"):
        return []
    today = timezone.localdate()
    month = period_of(today, "month")
    now = timezone.now()
    this_month = month.start.strftime("%Y-%m")
    hour = hour_now()
    v = served(
        user,
        ["orglife.activities_done", "orglife.upcoming"],
        ranges={
            "orglife.activities_done": (this_month, month.end.strftime("%Y-%m")),
            "orglife.upcoming": (hour, None),
        },
    )
    figures = []
    done_this_month = int(total(v["orglife.activities_done"], lambda k: k[:7] == this_month))
    figures.append({"label": "本月已开展活动", "value": done_this_month, "url": reverse("orglife:list")})
    upcoming = int(total(v["orglife.upcoming"], lambda k: k >= hour))
    figures.append({"label": "即将开展的活动", "value": upcoming, "url": reverse("orglife:calendar")})
    if has_perm(user, "orglife.change"):
        orgs = PartyOrg.objects.visible_to(user, "view")
        rate = life_compliance_rate(orgs, month.previous(), today=today)
        figures.append(
            {
                "label": f"组织生活达标率（{month.previous().label}）",
                "value": "—" if rate is None else f"{rate * 100:.0f}%",
                "url": reverse("orglife:stats"),
            }
        )
    mine = Signup.objects.filter(user=user, status=SignupStatus.SIGNED_UP, activity__ends_at__gte=now).count()
    figures.append({"label": "我报名的活动", "value": mine, "url": reverse("orglife:mine")})
    return figures
