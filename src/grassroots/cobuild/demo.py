"""Demo step for co-building (`generate(ctx)`, step name "cobuild"), for every community:

service posts; unit registrations with agreements for most units; registrations of most in-service
members (by the community they live in) with service records over the last year; needs and
resources with claims (some done, some released back); projects from claims with milestones;
two-way ratings for the last quarter; a street joint meeting and a community coordination
committee each with 12 monthly sessions (三定), attendance, issues and resolutions (most done,
some overdue). Everything is bulk-inserted; every random choice comes from ctx.rng("cobuild").
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from grassroots.party.models import Member, PartyOrg
from grassroots.regions.models import Region
from grassroots.units.models import Unit

from .models import (
    RATING_CRITERIA,
    Agreement,
    Category,
    Committee,
    CommitteeMember,
    Meeting,
    Milestone,
    Need,
    Project,
    ProjectOutput,
    Rating,
    Registration,
    Resolution,
    Resource,
    ServicePost,
    ServiceRecord,
)

POSTS = [
    ("政策宣传", "宣讲政策、入户宣传"),
    ("环境整治", "清扫楼道、整治小广告"),
    ("矛盾调解", "邻里纠纷调解"),
    ("关爱帮扶", "走访困难群众、独居老人"),
    ("文明创建", "文明劝导、垃圾分类督导"),
    ("平安巡逻", "夜间巡逻、消防隐患排查"),
]
NEEDS = [
    ("老年助餐志愿者", Category.SERVICE, 6),
    ("儿童课后托管场地", Category.VENUE, 1),
    ("楼道照明改造资金", Category.FUNDS, 1),
    ("义诊进社区", Category.SKILLS, 2),
    ("健身器材更新", Category.EQUIPMENT, 4),
    ("法律咨询服务", Category.SKILLS, 1),
    ("垃圾分类督导员", Category.SERVICE, 8),
    ("居民议事会场地", Category.VENUE, 1),
    ("困难家庭慰问物资", Category.EQUIPMENT, 20),
    ("电动车充电桩建设", Category.FUNDS, 1),
]
RESOURCES = [
    ("会议室开放共享", Category.VENUE, 40),
    ("党员志愿服务队", Category.SERVICE, 12),
    ("专业技术人员", Category.SKILLS, 3),
    ("共建资金", Category.FUNDS, 1),
    ("办公设备捐赠", Category.EQUIPMENT, 10),
]
ISSUES = [
    ("小区停车难", "错峰共享单位停车位", "开放夜间车位"),
    ("老旧小区加装电梯协调", "成立加装电梯议事小组", "逐户征求意见"),
    ("背街小巷环境脏乱", "开展联合整治行动", "每周清理一次"),
    ("独居老人照护不足", "结对帮扶独居老人", "每月走访两次"),
    ("学生放学接送拥堵", "错峰放学并设志愿岗", "上下学时段疏导"),
    ("物业服务不到位", "约谈物业并限期整改", "整改清单逐项销号"),
    ("社区活动场地紧张", "共建单位开放活动室", "签订场地共享协议"),
    ("垃圾分类投放不规范", "设立督导岗", "早晚高峰督导"),
]
THEMES = ["共驻共建议事", "为民办实事", "环境整治", "平安建设", "文明创建", "民生服务"]
OUTPUT_TITLES = ["服务活动圆满完成", "设施改造投入使用", "居民满意度回访", "形成长效服务机制", "项目总结报告"]


def _community_of(path: str, by_path: dict) -> Region | None:
    for depth in range(len(path) // Region.steplen, 0, -1):
        node = by_path.get(path[: depth * Region.steplen])
        if node is not None:
            return node
    return None


def generate(ctx) -> None:
    rng = ctx.rng("cobuild")
    now = timezone.now()
    today = ctx.today
    communities = list(Region.objects.filter(level="community").order_by("path"))
    if not communities or ServicePost.objects.exists():
        return
    by_path = {c.path: c for c in communities}
    orgs: dict[int, PartyOrg] = {}
    for o in PartyOrg.objects.filter(region__level__in=["community", "street"]).order_by("-depth"):
        orgs[o.region_id] = o  # shallowest org of each region wins (ordered deepest first)

    # ---- service posts
    posts = [
        ServicePost(community=c, org=orgs.get(c.pk), name=n, description=d)
        for c in communities
        for n, d in POSTS
    ]
    ctx.bulk_insert(ServicePost, posts)
    posts_of: dict[int, list[ServicePost]] = {}
    for p in posts:
        posts_of.setdefault(p.community_id, []).append(p)

    # ---- unit registrations and agreements
    units_of: dict[int, list[Unit]] = {}
    for u in Unit.objects.select_related("region").order_by("code"):
        c = _community_of(u.region.path, by_path)
        if c is not None:
            units_of.setdefault(c.pk, []).append(u)
    regs, agreements, active_units = [], [], {}
    for c in communities:
        for u in units_of.get(c.pk, []):
            if rng.random() > 0.85:
                continue
            state = rng.choices(["active", "pending", "ended"], [0.85, 0.1, 0.05])[0]
            signed = today - datetime.timedelta(days=rng.randint(30, 900))
            reg = Registration(
                kind="unit",
                community=c,
                org=u.party_org if u.party_org_id else orgs.get(c.pk),
                unit=u,
                state=state,
                contact_name=ctx.faker("cobuild-contacts").name(),
                contact_phone=f"139{rng.randint(0, 99_999_999):08d}",
                submitted_at=now - datetime.timedelta(days=(today - signed).days + 3),
                confirmed_at=None
                if state == "pending"
                else now - datetime.timedelta(days=(today - signed).days),
            )
            regs.append(reg)
            agreements.append((reg, signed))
            if state == "active":
                active_units.setdefault(c.pk, []).append(u)
    ctx.bulk_insert(Registration, regs)
    ctx.bulk_insert(
        Agreement,
        (
            Agreement(
                registration=reg,
                community=reg.community,
                org=reg.org,
                items=rng.sample(
                    [
                        "开放活动场地",
                        "组织党员志愿服务",
                        "结对帮扶困难家庭",
                        "参与联席会议",
                        "资助社区公益项目",
                    ],
                    3,
                ),
                signed_on=signed,
                term_start=signed,
                term_end=signed + datetime.timedelta(days=3 * 365),
            )
            for reg, signed in agreements
        ),
    )

    # ---- in-service member registrations, posts and service records
    member_regs, through = [], []
    members = Member.objects.filter(in_service=True, residence__isnull=False).select_related("residence")
    for m in members.order_by("pk").iterator(chunk_size=2000):
        c = _community_of(m.residence.path, by_path)
        if c is None or rng.random() > 0.8:
            continue
        state = rng.choices(["active", "pending", "rejected"], [0.88, 0.08, 0.04])[0]
        days = rng.randint(20, 700)
        member_regs.append(
            Registration(
                kind="member",
                community=c,
                org_id=m.party_org_id,
                member=m,
                state=state,
                contact_name=m.name,
                note="不在本社区居住" if state == "rejected" else "",
                submitted_at=now - datetime.timedelta(days=days + 2),
                confirmed_at=now - datetime.timedelta(days=days) if state == "active" else None,
            )
        )
    ctx.bulk_insert(Registration, member_regs)
    records = []
    for reg in member_regs:
        for p in rng.sample(posts_of[reg.community_id], rng.randint(1, 2)):
            through.append(Registration.posts.through(registration_id=reg.pk, servicepost_id=p.pk))
        if reg.state != "active":
            continue
        for _ in range(rng.randint(0, 8)):
            records.append(
                ServiceRecord(
                    registration=reg,
                    served_on=today - datetime.timedelta(days=rng.randint(0, 365)),
                    activity=rng.choice(POSTS)[0],
                    hours=Decimal(rng.choice([1, 1.5, 2, 2.5, 3, 4])),
                    recorded_at=now,
                )
            )
    ctx.bulk_insert(Registration.posts.through, through)
    ctx.bulk_insert(ServiceRecord, records)

    # ---- needs, resources, claims, projects
    needs, resources = [], []
    for c in communities:
        units = active_units.get(c.pk, [])
        lng, lat = c.lng, c.lat
        for title, cat, qty in rng.sample(NEEDS, rng.randint(5, 8)):
            claimed = units and rng.random() < 0.5
            state = ("done" if rng.random() < 0.5 else "claimed") if claimed else "open"
            created = now - datetime.timedelta(days=rng.randint(1, 300))
            needs.append(
                Need(
                    community=c,
                    org=orgs.get(c.pk),
                    title=title,
                    category=cat,
                    quantity=qty,
                    lng=lng + rng.uniform(-0.004, 0.004) if lng is not None else None,
                    lat=lat + rng.uniform(-0.004, 0.004) if lat is not None else None,
                    place=f"{c.name}党群服务中心",
                    on_behalf_of="居民" if rng.random() < 0.3 else "",
                    valid_until=today + datetime.timedelta(days=rng.randint(30, 180)),
                    state=state,
                    created_at=created,
                    claimed_unit=rng.choice(units) if claimed else None,
                    claimed_at=created + datetime.timedelta(days=2) if claimed else None,
                )
            )
        for u in units[:6]:
            title, cat, qty = rng.choice(RESOURCES)
            claimed = rng.random() < 0.35
            resources.append(
                Resource(
                    community=c,
                    org=u.party_org if u.party_org_id else orgs.get(c.pk),
                    unit=u,
                    title=f"{u.name[:12]}{title}",
                    category=cat,
                    quantity=qty,
                    lng=u.lng,
                    lat=u.lat,
                    place=u.address[:100],
                    valid_until=today + datetime.timedelta(days=rng.randint(60, 365)),
                    state="claimed" if claimed else "open",
                    claimed_community=c if claimed else None,
                    claimed_at=now - datetime.timedelta(days=rng.randint(1, 60)) if claimed else None,
                )
            )
    ctx.bulk_insert(Need, needs)
    ctx.bulk_insert(Resource, resources)

    projects, project_units, milestones, linked = [], [], [], []
    done_by_community: dict[int, list[Need]] = {}
    for n in needs:
        if n.state in ("claimed", "done"):
            done_by_community.setdefault(n.community_id, []).append(n)
    for c in communities:
        for n in done_by_community.get(c.pk, [])[:2]:
            state = "done" if n.state == "done" else "ongoing"
            p = Project(
                community=c,
                org=orgs.get(c.pk),
                title=f"{n.title}项目",
                description=f"由需求“{n.title}”认领形成的共建项目",
                budget_fen=rng.randint(5, 200) * 100_000,
                state=state,
                evaluation_score=rng.randint(4, 5) if state == "done" else None,
                evaluation="居民满意" if state == "done" else "",
                created_at=n.claimed_at,
            )
            projects.append(p)
            linked.append((p, n))
    ctx.bulk_insert(Project, projects)
    for p, n in linked:
        Need.objects.filter(pk=n.pk).update(project=p)
        project_units.append(Project.units.through(project_id=p.pk, unit_id=n.claimed_unit_id))
        start = timezone.localtime(p.created_at).date()
        for i, title in enumerate(["方案制定", "组织实施", "验收评估"]):
            due = start + datetime.timedelta(days=30 * (i + 1))
            done = p.state == "done" or (due < today and rng.random() < 0.8)
            milestones.append(
                Milestone(project=p, title=title, due=due, done_on=min(due, today) if done else None)
            )
    ctx.bulk_insert(Project.units.through, project_units)
    ctx.bulk_insert(Milestone, milestones)
    outputs = []
    for p, n in linked:
        if p.state != "done" and rng.random() < 0.5:
            continue
        when = p.created_at + datetime.timedelta(days=rng.randint(20, 80))
        outputs.append(
            ProjectOutput(
                project=p,
                title=rng.choice(OUTPUT_TITLES),
                body=f"围绕“{n.title}”，共驻单位与社区共同完成，受益居民 {rng.randint(30, 600)} 人次。",
                created_at=min(when, now),
            )
        )
    ctx.bulk_insert(ProjectOutput, outputs)

    # ---- two-way ratings for the last quarter
    last_q_end = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - datetime.timedelta(days=1)
    period = f"{last_q_end.year}Q{(last_q_end.month - 1) // 3 + 1}"
    ratings = []
    for c in communities:
        for u in active_units.get(c.pk, []):
            if rng.random() > 0.6:
                continue
            for side in ("c2u", "u2c"):
                scores = {k: rng.choices([3, 4, 5], [1, 3, 4])[0] for k, _ in RATING_CRITERIA[side]}
                avg = (Decimal(sum(scores.values())) / len(scores)).quantize(Decimal("0.01"))
                ratings.append(
                    Rating(
                        side=side,
                        community=c,
                        org=u.party_org if u.party_org_id else orgs.get(c.pk),
                        unit=u,
                        period=period,
                        scores=scores,
                        score=avg,
                        rated_at=now,
                    )
                )
    ctx.bulk_insert(Rating, ratings)

    # ---- committees: a street joint meeting and a community coordination committee, 12 months each
    streets = {s.path: s for s in Region.objects.filter(level="street")}
    committees, committee_units, people = [], [], []
    for s in streets.values():
        committees.append(
            Committee(
                community=s,
                org=orgs.get(s.pk),
                name=f"{s.name}党建联席会议",
                kind="joint",
                day_of_month=10,
                time=datetime.time(9, 30),
                place=f"{s.name}党群服务中心会议室",
                default_theme="共驻共建议事",
            )
        )
    for c in communities:
        committees.append(
            Committee(
                community=c,
                org=orgs.get(c.pk),
                name=f"{c.name}党建协调委员会",
                kind="coordination",
                day_of_month=15,
                time=datetime.time(15, 0),
                place=f"{c.name}党群服务中心",
                default_theme="为民办实事",
            )
        )
    ctx.bulk_insert(Committee, committees)
    fake = ctx.faker("cobuild-people")
    for cm in committees:
        pool = active_units.get(cm.community_id, []) if cm.kind == "coordination" else []
        if cm.kind == "joint":
            for c in communities:
                if c.path.startswith(cm.community.path):
                    pool = pool + active_units.get(c.pk, [])[:2]
        for u in pool[:8]:
            committee_units.append(Committee.units.through(committee_id=cm.pk, unit_id=u.pk))
        people.append(CommitteeMember(committee=cm, name=fake.name(), post="主任"))
        for u in pool[:6]:
            people.append(CommitteeMember(committee=cm, name=fake.name(), post="兼职委员", unit=u))
    ctx.bulk_insert(Committee.units.through, committee_units)
    ctx.bulk_insert(CommitteeMember, people)
    people_of: dict[int, list[CommitteeMember]] = {}
    for p in people:
        people_of.setdefault(p.committee_id, []).append(p)

    tz = timezone.get_current_timezone()
    meetings = []
    back = today.year * 12 + today.month - 1 - 10  # ten months back: ~10 sessions held, 2 ahead
    for cm in committees:
        y, m = back // 12, back % 12 + 1
        for i in range(12):
            day = datetime.date(y, m, cm.day_of_month)
            starts = datetime.datetime.combine(day, cm.time, tzinfo=tz)
            past = day < today
            meetings.append(
                Meeting(
                    committee=cm,
                    starts_at=starts,
                    place=cm.place,
                    theme=THEMES[(i + cm.pk) % len(THEMES)],
                    state=("cancelled" if rng.random() < 0.04 else "held") if past else "planned",
                    minutes="会议通报了上月议定事项办理情况，研究了本月议题。" if past else "",
                )
            )
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    ctx.bulk_insert(Meeting, meetings)
    attendance, resolutions = [], []
    for mt in meetings:
        if mt.state != "held":
            continue
        for p in people_of.get(mt.committee_id, []):
            if rng.random() < 0.85:
                attendance.append(Meeting.attendees.through(meeting_id=mt.pk, committeemember_id=p.pk))
        held_on = timezone.localtime(mt.starts_at).date()
        for issue, decision, duty in rng.sample(ISSUES, rng.randint(1, 3)):
            due = held_on + datetime.timedelta(days=rng.choice([15, 30, 45]))
            done = due < today and rng.random() < 0.9 or (due >= today and rng.random() < 0.3)
            done_on = min(today, held_on + datetime.timedelta(days=rng.randint(5, 40))) if done else None
            resolutions.append(
                Resolution(
                    meeting=mt,
                    issue=issue,
                    raised_by=rng.choice(["社区党委", "共建单位", "居民代表", "物业公司"]),
                    decision=decision,
                    owner=rng.choice(["社区居委会", "物业公司", "共建单位", "街道城管科"]),
                    duty=duty,
                    due=due,
                    done_on=done_on,
                    result="已按期办结" if done_on else "",
                )
            )
    ctx.bulk_insert(Meeting.attendees.through, attendance)
    ctx.bulk_insert(Resolution, resolutions)
