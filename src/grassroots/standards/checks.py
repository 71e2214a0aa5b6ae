"""The rules engine: every enabled ORG-* and COV-* rule of the Rule table, evaluated over the data in a
user's scope.

Each rule reads its thresholds from its Rule row (never from constants here) and is computed with a
few set-based queries (filters, Exists/Subquery, one grouped count of members per org), so the cost
grows with the number of findings, not with the number of queries. The result is a list of
`Finding` rows: rule code, severity, the object (model label, pk, name, region) and a Chinese message
with the facts, plus the rule's suggested action.

How each rule is computed (params in brackets are read from the rule row):
"Full members of a unit" are always counted from member rows: full (正式) members whose workplace_unit
is the unit (units.models.full_members_expr), never a typed-in counter.
- ORG-1  unit with full members ≥ [min_full_members] whose party_work is not own_org.
- ORG-2, COV-2  unit with 1 ≤ full members < [min_full_members], party_work none and no instructor.
- ORG-3  branch with ≥ [min_full_members] full members (its own and its groups'; probationary members do
         not count) and committee_size 0: violation; a committee with fewer full members: warning.
- ORG-4  branch with ≥ [min_members] members (default 51: "more than 50").
- ORG-5  org that is not a committee / working committee with ≥ [min_members] members.
- ORG-6  org whose term end (term_end, else term_start + the years of its kind in [community_years] for
         community-based orgs or [years] otherwise; kinds not listed have no term) is past:
         violation; or within [warn_days] days from today (inclusive): warning.
- ORG-7  functional org with memberships registered in it or dues paid by members registered there.
- ORG-8  probationary member with joined_on + [probation_days] (or the extension date) before today.
- ORG-9  member who joined before the window of the last [months] whole months (up to last month) and
         has no DuesPayment in any month of that window.
- ORG-10 branch (not functional) with fewer than [min_full_members] full members; none at all: violation.
- COV-1  unit with employees ≥ [min_employees] and no member working there, lacking a trade union, a
         youth league branch or an instructor (the missing ones are listed).
- COV-3  unit that should be covered (a full member works there or employees ≥ [min_employees]) but has
         neither organisation coverage (party_work not none) nor work coverage (an instructor, and for a
         unit without members a union and a youth league organisation). services.coverage_stats gives
         both rates over the should-be-covered units.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from grassroots.core.rules import (  # noqa: F401  (the check vocabulary, re-exported)
    CHECKS,
    MEMBER_FIELDS,
    OBJECT_TYPES,
    Finding,
    RuleParamError,
    Severity,
    int_param,
    month_start,
    object_url,
    register_check,
)
from grassroots.party.choices import MemberStatus, OrgKind
from grassroots.party.models import DuesPayment, Member, PartyOrg, add_years
from grassroots.units.choices import PartyWork
from grassroots.units.models import Unit, full_members_expr, has_full_member_q

from .models import Rule, RuleCategory

PERM = "standards.view"
STEPLEN = PartyOrg.steplen


_PARTY_WORK = dict(PartyWork.choices)
_KIND = dict(OrgKind.choices)


class Checker:
    """Evaluates the enabled ORG/COV rules for one user, optionally within a region subtree."""

    def __init__(self, user, *, within=None, today: datetime.date | None = None, rules=None):
        self.user = user
        self.within = within  # a Region: narrow to its subtree
        self.today = today or timezone.localdate()
        self.errors: list[str] = []
        if rules is None:
            rules = Rule.objects.filter(enabled=True, category__in=[RuleCategory.ORG, RuleCategory.COV])
        self.rules = {r.code: r for r in rules}

    # scoped querysets -------------------------------------------------------------------------
    def _narrow(self, qs, region_lookup: str):
        if self.within is not None:
            qs = qs.filter(**{f"{region_lookup}__path__startswith": self.within.path})
        return qs

    def units(self):
        return self._narrow(Unit.objects.visible_to(self.user, PERM), "region")

    def units_with_counts(self):
        """Units in scope annotated with full_count (full members working there, from member rows)."""
        return self.units().annotate(full_count=full_members_expr())

    def orgs(self):
        return self._narrow(PartyOrg.objects.visible_to(self.user, PERM), "region")

    def members(self):
        return self._narrow(Member.objects.visible_to(self.user, PERM), "party_org__region")

    @cached_property
    def org_rows(self) -> list[dict]:
        """Every org in scope with its member count (own members plus those of its sub-orgs)."""
        rows = list(
            self.orgs().values(
                "id",
                "code",
                "path",
                "name",
                "kind",
                "committee_size",
                "term_start",
                "term_end",
                "unit_id",
                "region__path",
                "region__name",
                "region__level",
            )
        )
        direct = (
            self.members()
            .values_list("party_org__path")
            .annotate(n=Count("id"), full=Count("id", filter=Q(status=MemberStatus.FULL)))
            .order_by()
        )
        totals: dict[str, int] = defaultdict(int)
        fulls: dict[str, int] = defaultdict(int)
        for path, n, full in direct:
            for k in range(STEPLEN, len(path) + 1, STEPLEN):
                totals[path[:k]] += n
                fulls[path[:k]] += full
        for row in rows:
            row["members"] = totals.get(row["path"], 0)
            row["full"] = fulls.get(row["path"], 0)
        return rows

    # running ----------------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        for code, rule in self.rules.items():
            check = CHECKS.get(code)
            if check is None:
                continue
            try:
                findings.extend(check(self, rule))
            except RuleParamError as exc:
                self.errors.append(str(exc))
        findings.sort(key=Finding.sort_key)
        return findings

    def _unit(self, rule: Rule, severity: str, row: dict, message: str) -> Finding:
        return Finding(
            rule.code,
            severity,
            "unit",
            row["id"],
            row["name"],
            row["region__path"],
            row["region__name"],
            message,
            rule.action,
        )

    def _org(self, rule: Rule, severity: str, row: dict, message: str) -> Finding:
        return Finding(
            rule.code,
            severity,
            "org",
            row["id"],
            row["name"],
            row["region__path"],
            row["region__name"],
            message,
            rule.action,
            row["code"],
        )

    def _member(self, rule: Rule, severity: str, row: dict, message: str) -> Finding:
        return Finding(
            rule.code,
            severity,
            "member",
            row["id"],
            row["name"],
            row["party_org__region__path"],
            row["party_org__name"],
            message,
            rule.action,
        )


UNIT_FIELDS = ("id", "name", "full_count", "employees", "party_work", "region__path", "region__name")


def check_org_1(c: Checker, rule: Rule) -> Iterator[Finding]:
    n = int_param(rule, "min_full_members")
    qs = c.units_with_counts().filter(full_count__gte=n).exclude(party_work=PartyWork.OWN_ORG)
    for row in qs.values(*UNIT_FIELDS):
        if row["party_work"] == PartyWork.NONE:
            state = "未建立党组织"
        else:
            state = f"现为{_PARTY_WORK[row['party_work']]}覆盖，未单独建立党组织"
        yield c._unit(
            rule,
            Severity.VIOLATION,
            row,
            f"以该单位为工作单位的正式党员 {row['full_count']} 名（≥{n}），{state}",
        )


def check_small_unit(c: Checker, rule: Rule) -> Iterator[Finding]:
    """ORG-2 and COV-2: 1 to min-1 full members, no organisation at all and no instructor."""
    n = int_param(rule, "min_full_members")
    qs = c.units_with_counts().filter(
        full_count__gte=1, full_count__lt=n, party_work=PartyWork.NONE, instructor__isnull=True
    )
    for row in qs.values(*UNIT_FIELDS):
        yield c._unit(
            rule,
            Severity.VIOLATION,
            row,
            f"以该单位为工作单位的正式党员 {row['full_count']} 名，未建立党组织，未选派党建指导员",
        )


def check_org_3(c: Checker, rule: Rule) -> Iterator[Finding]:
    """《中国共产党支部工作条例（试行）》第九条: 正式党员 7 人以上 → 支部委员会; fewer → 书记 (and if
    needed a deputy) only. Probationary members do not count. Both directions are flagged."""
    n = int_param(rule, "min_full_members")
    for row in c.org_rows:
        if row["kind"] != OrgKind.BRANCH:
            continue
        full, probationary = row["full"], row["members"] - row["full"]
        extra = f"（另有预备党员 {probationary} 名，不计入）" if probationary else ""
        if row["committee_size"] == 0 and full >= n:
            yield c._org(
                rule, Severity.VIOLATION, row, f"正式党员 {full} 名（≥{n}）{extra}，未设立支部委员会"
            )
        elif row["committee_size"] > 0 and full < n:
            yield c._org(
                rule,
                Severity.WARNING,
                row,
                f"正式党员 {full} 名（不足 {n} 名）{extra}，却设立了 {row['committee_size']} 人的支部委员会；"
                "应只设书记，必要时设副书记",
            )


def check_org_10(c: Checker, rule: Rule) -> Iterator[Finding]:
    """《支部工作条例》第五条: a branch has at least [min_full_members] full members. A branch (not
    functional: it registers no members) with no member at all is an empty shell (violation); one with
    fewer full members a warning. Counts include the branch's groups."""
    n = int_param(rule, "min_full_members")
    functional = set(c.orgs().filter(kind=OrgKind.BRANCH, is_functional=True).values_list("id", flat=True))
    for row in c.org_rows:
        if row["kind"] != OrgKind.BRANCH or row["id"] in functional or row["full"] >= n:
            continue
        if row["members"] == 0:
            yield c._org(rule, Severity.VIOLATION, row, "没有登记任何党员，为空壳党支部")
        else:
            probationary = row["members"] - row["full"]
            extra = f"、预备党员 {probationary} 名" if probationary else ""
            yield c._org(
                rule, Severity.WARNING, row, f"正式党员 {row['full']} 名{extra}，不足 {n} 名正式党员"
            )


def check_org_4(c: Checker, rule: Rule) -> Iterator[Finding]:
    n = int_param(rule, "min_members")
    for row in c.org_rows:
        if row["kind"] == OrgKind.BRANCH and row["members"] >= n:
            yield c._org(rule, Severity.SUGGESTION, row, f"党支部有党员 {row['members']} 名（≥{n}）")


def check_org_5(c: Checker, rule: Rule) -> Iterator[Finding]:
    n = int_param(rule, "min_members")
    for row in c.org_rows:
        if row["kind"] not in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE) and row["members"] >= n:
            yield c._org(
                rule,
                Severity.SUGGESTION,
                row,
                f"{_KIND[row['kind']]}有党员 {row['members']} 名（≥{n}），尚未设立党委",
            )


COMMUNITY_LEVELS = ("community", "neighborhood", "building", "entrance")


def term_years(rule: Rule) -> tuple[dict[str, int], dict[str, int]]:
    """ORG-6's term lengths: ({kind: years} for unit and other orgs, {kind: years} for village- and
    community-based orgs). A kind missing from a mapping (e.g. working_committee, an appointed 党工委)
    has no elected term and is not checked."""
    out = []
    for name in ("years", "community_years"):
        value = (rule.params or {}).get(name)
        if not isinstance(value, dict) or not all(
            k in OrgKind.values and isinstance(v, int) and not isinstance(v, bool) and v >= 1
            for k, v in value.items()
        ):
            raise RuleParamError(f"{rule.code} 的参数 {name} 应为“组织类别: 年数”的对应表")
        out.append(value)
    return out[0], out[1]


def check_org_6(c: Checker, rule: Rule) -> Iterator[Finding]:
    """Terms per 中办《关于党的基层组织任期的意见》(2018): an org not bound to a unit whose region is a
    community or below is community-based ([community_years]); others use [years]. Kinds absent from
    the mapping (appointed bodies such as 街道党工委) have no term check."""
    years, community_years = term_years(rule)
    warn = int_param(rule, "warn_days")
    for row in c.org_rows:
        community = row["unit_id"] is None and row["region__level"] in COMMUNITY_LEVELS
        table = community_years if community else years
        if row["kind"] not in table:
            continue
        n = table[row["kind"]]
        end = row["term_end"]
        if end is None:
            if row["term_start"] is None:
                continue
            end = add_years(row["term_start"], n)
            base = "社区（村）" if community else ""
            source = f"按{base}{_KIND[row['kind']]} {n} 年任期推算"
        else:
            source = "登记"
        days = (end - c.today).days
        if days < 0:
            yield c._org(
                rule, Severity.VIOLATION, row, f"本届已于 {end:%Y-%m-%d} 届满（{source}），超期 {-days} 天"
            )
        elif days <= warn:
            yield c._org(
                rule,
                Severity.WARNING,
                row,
                f"本届将于 {end:%Y-%m-%d} 届满（{source}），还有 {days} 天",
            )


def check_org_7(c: Checker, rule: Rule) -> Iterator[Finding]:
    members = dict(
        c.members()
        .filter(party_org__is_functional=True)
        .values_list("party_org_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    dues_qs = DuesPayment.objects.visible_to(c.user, PERM).filter(member__party_org__is_functional=True)
    dues_qs = c._narrow(dues_qs, "member__party_org__region")
    dues = dict(dues_qs.values_list("member__party_org_id").annotate(n=Count("id")).order_by())
    ids = set(members) | set(dues)
    if not ids:
        return
    rows = c.orgs().filter(pk__in=ids).values("id", "code", "name", "region__path", "region__name")
    for row in rows:
        facts = []
        if members.get(row["id"]):
            facts.append(f"登记党员组织关系 {members[row['id']]} 名")
        if dues.get(row["id"]):
            facts.append(f"收缴党费 {dues[row['id']]} 笔")
        yield c._org(rule, Severity.VIOLATION, row, "功能型党组织" + "，".join(facts))


def check_org_8(c: Checker, rule: Rule) -> Iterator[Finding]:
    """A probationary member whose probation (joined_on + [probation_days], or the extension date when
    extended) ended before today and who is not yet converted."""
    days = int_param(rule, "probation_days")
    limit = c.today - datetime.timedelta(days=days)
    overdue = Q(probation_extended_to__isnull=True, joined_on__lt=limit) | Q(
        probation_extended_to__lt=c.today
    )
    qs = c.members().filter(overdue, status=MemberStatus.PROBATIONARY)
    for row in qs.values(*MEMBER_FIELDS, "probation_extended_to"):
        if row["probation_extended_to"]:
            over = (c.today - row["probation_extended_to"]).days
            text = f"预备期已延长至 {row['probation_extended_to']:%Y-%m-%d}，超期 {over} 天未讨论转正"
        else:
            over = (c.today - row["joined_on"]).days - days
            text = f"{row['joined_on']:%Y-%m-%d} 成为预备党员，预备期 {days} 天已满，超期 {over} 天未转正"
        yield c._member(rule, Severity.WARNING, row, text)


def check_org_9(c: Checker, rule: Rule) -> Iterator[Finding]:
    months = int_param(rule, "months")
    this_month = month_start(c.today)
    start = month_start(c.today, months)
    paid = DuesPayment.objects.filter(member=OuterRef("pk"), month__gte=start, month__lt=this_month)
    last = DuesPayment.objects.filter(member=OuterRef("pk")).order_by("-month").values("month")[:1]
    qs = (
        c.members()
        .filter(joined_on__lt=start)
        .exclude(Exists(paid))
        .annotate(last_paid=Subquery(last))
        .values(*MEMBER_FIELDS, "last_paid")
    )
    window = f"{start:%Y-%m} 至 {month_start(c.today, 1):%Y-%m}"
    for row in qs:
        last_paid = f"最近一次交纳 {row['last_paid']:%Y-%m}" if row["last_paid"] else "无交纳记录"
        yield c._member(rule, Severity.WARNING, row, f"连续 {months} 个月（{window}）未交纳党费，{last_paid}")


def check_mem_age(c: Checker, rule: Rule) -> Iterator[Finding]:
    """Members recorded as joining before the minimum age (legacy data, imports from older systems):
    new entries are refused by Member.clean; the message does not repeat the birth date."""
    from django.db.models.functions import ExtractYear

    age = int_param(rule, "min_age")
    qs = (
        c.members()
        .filter(birth_date__isnull=False)
        .annotate(gap=ExtractYear("joined_on") - ExtractYear("birth_date"))
        .filter(gap__lte=age)
        .values(*MEMBER_FIELDS, "birth_date")
    )
    for row in qs:
        if row["joined_on"] < add_years(row["birth_date"], age):
            yield c._member(rule, Severity.WARNING, row, f"入党时未满 {age} 周岁，请核对出生日期和入党日期")


def check_cov_1(c: Checker, rule: Rule) -> Iterator[Finding]:
    n = int_param(rule, "min_employees")
    qs = (
        c.units_with_counts()
        .filter(employees__gte=n)
        .exclude(Exists(Member.objects.filter(workplace_unit=OuterRef("pk"))))
        .filter(Q(has_union=False) | Q(has_youth_league=False) | Q(instructor__isnull=True))
    )
    for row in qs.values(*UNIT_FIELDS, "has_union", "has_youth_league", "instructor_id"):
        missing = [
            label
            for label, ok in (
                ("工会", row["has_union"]),
                ("共青团组织", row["has_youth_league"]),
                ("党建指导员", row["instructor_id"]),
            )
            if not ok
        ]
        yield c._unit(
            rule,
            Severity.WARNING,
            row,
            f"从业人员 {row['employees']} 人（≥{n}），无党员，缺少{'、'.join(missing)}",
        )


def should_cover_q(min_employees: int | None) -> Q:
    """COV-3: a unit should be covered when at least one full member works there (member rows) or it has
    min_employees employees (when the parameter is usable)."""
    q = has_full_member_q()
    return q | Q(employees__gte=min_employees) if min_employees else q


def org_covered_q() -> Q:
    """党的组织覆盖: the unit has its own party organisation, is in a joint one or attached to one."""
    return ~Q(party_work=PartyWork.NONE)


def work_covered_q() -> Q:
    """党的工作覆盖: organisation coverage, or (where no organisation can be set up yet) party work reaches
    the unit: an instructor is assigned and, for a unit without members, its trade union and youth league
    organisation exist (COV-1, ORG-2)."""
    members = Exists(Member.objects.filter(workplace_unit=OuterRef("pk")))
    return org_covered_q() | (
        Q(instructor__isnull=False) & (Q(members) | Q(has_union=True, has_youth_league=True))
    )


def check_cov_3(c: Checker, rule: Rule) -> Iterator[Finding]:
    """A unit that should be covered and has neither organisation coverage nor work coverage."""
    n = int_param(rule, "min_employees")
    qs = c.units_with_counts().filter(should_cover_q(n)).exclude(work_covered_q())
    for row in qs.values(*UNIT_FIELDS):
        yield c._unit(
            rule,
            Severity.WARNING,
            row,
            f"正式党员 {row['full_count']} 名，从业人员 {row['employees']} 人，"
            "未建立或加入党组织，也未实现党的工作覆盖",
        )


CHECKS.update(
    {
        "ORG-1": check_org_1,
        "ORG-2": check_small_unit,
        "ORG-3": check_org_3,
        "ORG-4": check_org_4,
        "ORG-5": check_org_5,
        "ORG-6": check_org_6,
        "ORG-7": check_org_7,
        "ORG-8": check_org_8,
        "ORG-9": check_org_9,
        "ORG-10": check_org_10,
        "MEM-AGE": check_mem_age,
        "COV-1": check_cov_1,
        "COV-2": check_small_unit,
        "COV-3": check_cov_3,
    }
)
