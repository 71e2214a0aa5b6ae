"""Demo step for orglife (`generate(ctx)`): 12 months of 三会一课 for every branch, joint and volunteer
activities with sign-ups and attendance, and a few upcoming published activities.

Most branches are compliant; about 12 % skip some months or quarters; about 3 % are silent (no
activity in the last 75 days), so the LIFE-* checks and the compliance statistics have something to
show. Activities go in with bulk_create (ids returned), attendance rows with ctx.insert_rows.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict

from django.utils import timezone

from grassroots.party.choices import OrgKind
from grassroots.party.models import Member, PartyOrg, Seat
from grassroots.units.models import Unit

from .models import Activity, ActivityKind, ActivityStatus, Signup, SignupStatus
from .periods import period_of

ATTENDANCE_SAMPLE = 6  # attendance rows per past activity (members of the branch)
MINUTES = {
    ActivityKind.MEMBERS_MEETING: "传达学习上级精神，讨论支部重点工作，表决有关事项。",
    ActivityKind.COMMITTEE_MEETING: "研究本月支部工作安排，分析党员思想状况，部署主题党日。",
    ActivityKind.GROUP_MEETING: "学习党的创新理论，交流学习体会，收集群众意见建议。",
    ActivityKind.PARTY_LECTURE: "书记讲党课，围绕党的基本理论和优良传统开展学习讨论。",
    ActivityKind.THEME_DAY: "重温入党誓词，开展集中学习和志愿服务，收缴党费。",
    ActivityKind.LIFE_MEETING: "通报上年度整改情况，开展批评与自我批评，明确整改措施。",
    ActivityKind.APPRAISAL: "党员个人述职，民主测评，确定评议等次。",
}
TITLES = {
    ActivityKind.MEMBERS_MEETING: "支部党员大会",
    ActivityKind.COMMITTEE_MEETING: "支委会",
    ActivityKind.GROUP_MEETING: "党小组会",
    ActivityKind.PARTY_LECTURE: "党课",
    ActivityKind.THEME_DAY: "主题党日",
    ActivityKind.LIFE_MEETING: "组织生活会",
    ActivityKind.APPRAISAL: "民主评议党员",
}
VOLUNTEER_TITLES = [
    "社区环境整治",
    "敬老院关爱探访",
    "文明交通劝导",
    "垃圾分类宣传",
    "义诊义剪进小区",
    "防诈宣传",
]
JOINT_TITLES = ["共驻共建签约", "联建单位结对帮扶", "党建联席会议", "共建项目推进会"]


def _at(d: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour, 0)))


def _months(today: datetime.date, n: int) -> list[datetime.date]:
    """The n months before today's month, and today's month (its activities up to now only)."""
    p = period_of(today, "month").next()
    out = []
    for _ in range(n):
        p = p.previous()
        out.append(p.start)
    return out[::-1]


def generate(ctx) -> None:
    rng = ctx.rng("orglife")
    today = ctx.today
    now = timezone.now()
    branches = list(
        PartyOrg.objects.filter(kind=OrgKind.BRANCH).values("id", "path", "region_id", "committee_size")
    )
    if not branches:
        return
    groups = defaultdict(list)
    for g in PartyOrg.objects.filter(kind=OrgKind.GROUP).values("id", "path"):
        groups[g["path"][: -PartyOrg.steplen]].append(g["id"])
    members = defaultdict(list)
    for m in Member.objects.values("id", "name", "user_id", "party_org__path").iterator(chunk_size=5000):
        path = m["party_org__path"]
        members[path].append(m)
        if len(path) > PartyOrg.steplen:
            members[path[: -PartyOrg.steplen]].append(m)
    # 支委会 attendance is the committee's seats (members holding a seat on the branch committee).
    seated = defaultdict(list)
    for row in Seat.objects.filter(member__isnull=False, org__kind=OrgKind.BRANCH).values(
        "org_id", "member_id", "member__name", "member__user_id"
    ):
        seated[row["org_id"]].append(
            {"id": row["member_id"], "name": row["member__name"], "user_id": row["member__user_id"]}
        )
    months = _months(today, 13)  # 12 whole months and the current one
    silent_since = today - datetime.timedelta(days=75)

    activities: list[Activity] = []
    attendance_of: list[list[dict]] = []

    def add(kind, org_id, region_id, day, hour, title, *, status=ActivityStatus.DONE, who=(), **extra):
        start = _at(day, hour)
        if status == ActivityStatus.DONE and start >= now:
            return
        a = Activity(
            kind=kind,
            title=title,
            party_org_id=org_id,
            region_id=region_id,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            status=status,
            minutes=MINUTES.get(kind, "活动按计划开展。") if status == ActivityStatus.DONE else "",
            published_at=start - datetime.timedelta(days=5),
            done_at=start + datetime.timedelta(hours=2) if status == ActivityStatus.DONE else None,
            created_at=start - datetime.timedelta(days=7),
            **extra,
        )
        activities.append(a)
        attendance_of.append(list(who) if status == ActivityStatus.DONE else [])

    with ctx.progress("组织生活", len(branches)) as progress:
        for b in branches:
            roll = rng.random()
            silent = roll < 0.03
            sloppy = 0.03 <= roll < 0.15
            crew = members.get(b["path"], [])
            for month in months:
                if silent and month >= silent_since.replace(day=1):
                    continue
                quarter_start = month.month in (1, 4, 7, 10)

                def keep(sloppy=sloppy) -> bool:
                    return not (sloppy and rng.random() < 0.3)

                def sample(crew=crew):
                    k = min(len(crew), ATTENDANCE_SAMPLE)
                    return rng.sample(crew, k) if k else []

                day = month + datetime.timedelta(days=rng.randint(2, 20))
                if keep():
                    add(
                        ActivityKind.THEME_DAY,
                        b["id"],
                        b["region_id"],
                        day,
                        14,
                        f"{month.month}月主题党日",
                        who=sample(),
                    )
                if b["committee_size"] and keep():
                    add(
                        ActivityKind.COMMITTEE_MEETING,
                        b["id"],
                        b["region_id"],
                        month + datetime.timedelta(days=1),
                        9,
                        f"{month.month}月支委会",
                        who=seated.get(b["id"]) or sample(),
                    )
                for gid in groups.get(b["path"], []):
                    if keep():
                        add(
                            ActivityKind.GROUP_MEETING,
                            gid,
                            b["region_id"],
                            month + datetime.timedelta(days=rng.randint(3, 25)),
                            19,
                            f"{month.month}月党小组会",
                            who=sample(),
                        )
                if quarter_start:
                    q = (month.month - 1) // 3 + 1
                    if keep():
                        add(
                            ActivityKind.MEMBERS_MEETING,
                            b["id"],
                            b["region_id"],
                            month + datetime.timedelta(days=rng.randint(5, 40)),
                            15,
                            f"第{q}季度支部党员大会",
                            who=sample(),
                        )
                    if keep():
                        add(
                            ActivityKind.PARTY_LECTURE,
                            b["id"],
                            b["region_id"],
                            month + datetime.timedelta(days=rng.randint(5, 60)),
                            15,
                            f"第{q}季度党课",
                            who=sample(),
                        )
                if month.month == 12 and not silent:  # the year's 组织生活会 and 民主评议 at its end
                    add(
                        ActivityKind.LIFE_MEETING,
                        b["id"],
                        b["region_id"],
                        month + datetime.timedelta(days=rng.randint(10, 20)),
                        9,
                        f"{month.year}年度组织生活会",
                        who=sample(),
                    )
                    add(
                        ActivityKind.APPRAISAL,
                        b["id"],
                        b["region_id"],
                        month + datetime.timedelta(days=rng.randint(21, 27)),
                        9,
                        f"{month.year}年度民主评议党员",
                        who=sample(),
                    )
            if not silent:
                nxt = period_of(today, "month").next().start
                add(
                    ActivityKind.THEME_DAY,
                    b["id"],
                    b["region_id"],
                    max(today + datetime.timedelta(days=3), nxt + datetime.timedelta(days=rng.randint(0, 9))),
                    14,
                    f"{nxt.month}月主题党日",
                    status=ActivityStatus.PUBLISHED,
                )
            progress.advance()

    # Joint and volunteer activities per community (with units of the community).
    units = defaultdict(list)
    for u in Unit.objects.values("id", "region_id"):
        units[u["region_id"]].append(u["id"])
    community_branch = {}
    for b in branches:
        community_branch.setdefault(b["region_id"], b)
    for region_id, b in community_branch.items():
        crew = members.get(b["path"], [])
        for _k in range(rng.randint(2, 5)):
            day = today - datetime.timedelta(days=rng.randint(5, 330))
            unit_id = rng.choice(units[region_id]) if units.get(region_id) else None
            add(
                ActivityKind.JOINT,
                b["id"],
                region_id,
                day,
                10,
                rng.choice(JOINT_TITLES),
                unit_id=unit_id,
                who=rng.sample(crew, min(len(crew), 4)),
            )
        for k in range(rng.randint(3, 8)):
            future = k % 3 == 0
            day = (
                today + datetime.timedelta(days=rng.randint(2, 25))
                if future
                else today - datetime.timedelta(days=rng.randint(3, 300))
            )
            add(
                ActivityKind.VOLUNTEER,
                b["id"],
                region_id,
                day,
                9,
                rng.choice(VOLUNTEER_TITLES),
                status=ActivityStatus.PUBLISHED if future else ActivityStatus.DONE,
                capacity=rng.choice([20, 30, 50, None]),
                place="社区党群服务中心",
                who=rng.sample(crew, min(len(crew), 10)),
            )

    for a, who in zip(activities, attendance_of, strict=True):
        a.signed_up_count = len(who)
    with ctx.progress("组织生活活动", len(activities)) as progress:
        created = []
        for i in range(0, len(activities), ctx.batch_size):
            created.extend(Activity.objects.bulk_create(activities[i : i + ctx.batch_size]))
            progress.advance(min(ctx.batch_size, len(activities) - i))

    # Plain tuples straight to insert_rows: 160,000+ rows in the small city, where building model
    # instances and preparing each field cost most of this step.
    columns = ["activity_id", "user_id", "member_id", "name", "status", "signed_up_at", "checked_in_at",
               "checked_out_at", "hours"]  # fmt: skip
    to_db = ctx.db_time

    def rows():
        hours, zero = decimal.Decimal("2.00"), decimal.Decimal("0")
        for a, who in zip(created, attendance_of, strict=True):
            signed_up, started = to_db(a.starts_at - datetime.timedelta(days=2)), to_db(a.starts_at)
            for j, m in enumerate(who):
                absent = j > 0 and rng.random() < 0.12
                yield (
                    a.pk,
                    m["user_id"],
                    m["id"],
                    m["name"],
                    SignupStatus.ABSENT.value if absent else SignupStatus.ATTENDED.value,
                    signed_up,
                    None if absent else started,
                    None,
                    zero if absent else hours,
                )

    total = sum(len(w) for w in attendance_of)
    with ctx.progress("出席记录", total) as progress:
        ctx.insert_rows(Signup, columns, rows(), progress=progress)
