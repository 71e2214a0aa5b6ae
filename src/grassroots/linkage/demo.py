"""Demo step `linkage`: city and district leaders with contact points covering most communities
(some left uncovered), their visits in this and the last quarter, and cross-level tasks from the
city and the district to the streets and from streets to communities, in every state, some overdue
and escalated (督办)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from grassroots.regions.models import Region

from .models import ContactPoint, Leader, LinkageTask, TaskAssignment, TaskEvent, TaskState
from .stats import Quarter

CITY_POSTS = [
    "市委常委、组织部部长",
    "市委常委、政法委书记",
    "市委常委、宣传部部长",
    "副市长",
    "市委常委、统战部部长",
]
DISTRICT_POSTS = [
    "区委书记",
    "区长",
    "区委副书记",
    "区委常委、组织部部长",
    "区委常委、政法委书记",
    "区委常委、宣传部部长",
    "区委常委、统战部部长",
    "区委常委、纪委书记",
    "区委常委、常务副区长",
    "副区长",
    "区人大常委会副主任",
    "区政协副主席",
]
PLACES = ["党群服务中心", "居民议事厅", "小区广场", "网格驿站", "老年食堂"]
WHOM = ["居民代表", "楼栋长和党员中心户", "物业和业委会", "社区两委成员", "独居老人家庭"]
HEARD = [
    "居民反映老旧小区加装电梯意见不一，希望社区组织协商",
    "反映小区停车位紧张，夜间乱停车堵塞消防通道",
    "希望增加老年助餐点的供餐品种",
    "反映楼道照明损坏、雨污管道堵塞",
    "物业服务收费与服务质量不匹配",
    "希望社区开设四点半课堂",
]
TASKS_DISTRICT = [
    (
        "开展冬季消防安全隐患集中排查整治",
        "对辖区高层住宅、老旧小区、沿街商铺开展消防安全隐患排查，建立问题清单，整改情况附照片报区委社会工作部。",
        -40,
        -8,
    ),
    (
        "党员组织关系集中排查",
        "对照党员信息系统逐一核实党员组织关系，对失联、流动党员建立联系台账，排查结果按社区汇总上报。",
        -20,
        10,
    ),
    (
        "“红色物业”覆盖情况摸底",
        "摸清辖区住宅小区物业企业党组织组建、党建指导员选派情况，提出年底前覆盖计划。",
        -4,
        26,
    ),
]
TASK_CITY = (
    "城市基层党建重点任务推进情况调度",
    "各街道对照《城市基层党建工作指导标准》十项职责任务，报送落实进展和存在的困难。",
    -12,
    18,
)
TASK_STREET = (
    "独居老人冬季入户走访",
    "各社区组织网格员、党员志愿者对独居、空巢老人逐户走访，排查取暖和用电安全，建立帮扶台账。",
    -9,
    5,
)


def generate(ctx) -> None:
    rng = ctx.rng("linkage")
    fake = ctx.faker("linkage")
    today = ctx.today
    now = timezone.now()
    city = Region.objects.filter(depth=1).order_by("path").first()
    if city is None or Leader.objects.exists():
        return
    districts = list(Region.objects.filter(level="district", path__startswith=city.path).order_by("path"))
    streets = list(Region.objects.filter(level="street", path__startswith=city.path).order_by("path"))
    communities = list(Region.objects.filter(level="community", path__startswith=city.path).order_by("path"))
    _leaders_and_points(ctx, rng, fake, city, districts, streets, communities, today)
    _tasks(ctx, rng, city, districts, streets, communities, today, now)


def _leaders_and_points(ctx, rng, fake, city, districts, streets, communities, today) -> None:
    start = Quarter.of(today).previous().start - dt.timedelta(days=rng.randint(60, 200))
    leaders = [
        Leader(name=fake.name(), post=post, level="city", region=city, created_at=timezone.now())
        for post in CITY_POSTS
    ]
    for d in districts:
        # 区党政领导班子成员普遍包联社区 (seed 000): enough members for most communities at 3 each.
        n_communities = sum(1 for c in communities if c.path.startswith(d.path))
        extra = ["区委常委", "副区长", "区人大常委会副主任", "区政协副主席"]
        posts = DISTRICT_POSTS + [
            extra[i % len(extra)] for i in range(max(0, n_communities // 3 - len(DISTRICT_POSTS)))
        ]
        leaders += [
            Leader(name=fake.name(), post=post, level="district", region=d, created_at=timezone.now())
            for post in posts
        ]
    for leader in leaders:
        leader.fill_initials()
    ctx.bulk_insert(Leader, leaders)
    leaders = list(Leader.objects.select_related("region").order_by("id"))
    city_leaders = [x for x in leaders if x.level == "city"]
    district_leaders = [x for x in leaders if x.level == "district"]
    # About one community in eight stays uncovered (GOV-7 shows the gap); city leaders take a
    # street and a community each, district leaders up to three communities of their district.
    pool = [c for c in communities if rng.random() > 0.12]
    rng.shuffle(pool)
    points: list[ContactPoint] = []
    for i, leader in enumerate(city_leaders):
        if streets:
            points.append(ContactPoint(leader=leader, region=streets[i % len(streets)], start_on=start))
        if pool:
            points.append(ContactPoint(leader=leader, region=pool.pop(), start_on=start))
    per = {x.pk: 0 for x in district_leaders}
    while pool and district_leaders:
        progressed = False
        for leader in district_leaders:
            mine = [c for c in pool if c.path.startswith(leader.region.path)]
            if not mine or per[leader.pk] >= 3:
                continue
            c = mine[0]
            pool.remove(c)
            per[leader.pk] += 1
            recent = rng.random() < 0.1
            points.append(
                ContactPoint(
                    leader=leader,
                    region=c,
                    start_on=today - dt.timedelta(days=rng.randint(10, 40)) if recent else start,
                )
            )
            progressed = True
        if not progressed:
            break
    # One contact point ended when its leader changed posts.
    if district_leaders and communities:
        points.append(
            ContactPoint(
                leader=district_leaders[-1],
                region=communities[0],
                start_on=start - dt.timedelta(days=365),
                end_on=start - dt.timedelta(days=30),
                note="工作调整，联系点移交",
            )
        )
    ctx.bulk_insert(ContactPoint, points)
    _visits(ctx, rng, list(ContactPoint.objects.select_related("leader", "region")), today)


def _visits(ctx, rng, points, today) -> None:
    from grassroots.cases.models import Visit, VisitKind

    tz = timezone.get_current_timezone()
    quarter = Quarter.of(today)
    last = quarter.previous()
    visits = []

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(
            day, dt.time(rng.choice([9, 10, 14, 15, 16]), rng.choice([0, 30])), tzinfo=tz
        )

    for p in points:
        if p.end_on is not None:
            continue
        spans = []
        if p.start_on <= last.start:
            # Most points met last quarter's visit; about one in six did not.
            n = 0 if rng.random() < 0.17 else rng.choice([1, 1, 2, 3])
            spans.append((last.start, last.end, n))
        lo = max(quarter.start, p.start_on)
        if lo <= today:
            spans.append((lo, today, rng.choice([0, 1, 1, 2])))
        for a, b, n in spans:
            for _ in range(n):
                day = a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))
                community = p.region
                if p.region.level == "street":
                    kids = list(Region.objects.filter(path__startswith=p.region.path, level="community")[:8])
                    community = rng.choice(kids) if kids else p.region
                when = at(day)
                visits.append(
                    Visit(
                        kind=VisitKind.CONTACT_POINT,
                        region=community,
                        visitor_name=p.leader.name,
                        visited_at=when,
                        place=f"{community.name}{rng.choice(PLACES)}",
                        whom=rng.choice(WHOM),
                        heard=rng.choice(HEARD),
                        created_at=when,
                    )
                )
    ctx.bulk_insert(Visit, visits)


# ------------------------------------------------------------------ tasks
# state -> the verbs that led there, in order
PATHS = {
    TaskState.ISSUED: [],
    TaskState.RECEIVED: ["receive"],
    TaskState.IN_PROGRESS: ["receive", "progress"],
    TaskState.DONE: ["receive", "progress", "complete"],
    TaskState.ACCEPTED: ["receive", "progress", "complete", "accept"],
    TaskState.RETURNED: ["receive", "progress", "complete", "return"],
}
NOTES = {
    "receive": "",
    "progress": "已召开专题部署会，明确责任人，正在逐一排查",
    "complete": "已完成全部排查，建立问题清单，整改完成率 100%，附照片和台账",
    "accept": "材料齐全，验收通过",
    "return": "台账缺少整改前后对比照片，请补充后重新报结",
}


def _tasks(ctx, rng, city, districts, streets, communities, today, now) -> None:
    admin = None
    from grassroots.accounts.models import User

    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    specs = []
    for d in districts:
        d_streets = [s for s in streets if s.path.startswith(d.path)]
        for title, content, created, due in TASKS_DISTRICT:
            specs.append((d, d_streets, title, content, created, due))
    city_streets = streets[: max(1, len(streets) // 2)]
    specs.append((city, city_streets, *TASK_CITY))
    if streets:
        s0 = streets[0]
        specs.append((s0, [c for c in communities if c.path.startswith(s0.path)], *TASK_STREET))
    events: list[TaskEvent] = []
    for issuer_region, targets, title, content, created, due in specs:
        if not targets:
            continue
        created_at = now + dt.timedelta(days=created)
        deadline = today + dt.timedelta(days=due)
        task = LinkageTask.objects.create(
            issuer_region=issuer_region,
            issuer=admin,
            title=title,
            content=content,
            deadline=deadline,
            target_level=targets[0].level,
            created_at=created_at,
        )
        for i, r in enumerate(targets):
            state = _pick_state(rng, created, due, i)
            a = _assignment(task, None, r, deadline, state, created_at, now, events, rng)
            # Streets pass the first two district tasks down to their communities.
            if r.level == "street" and created <= -20 and state != TaskState.ISSUED and rng.random() < 0.6:
                kids = [c for c in communities if c.path.startswith(r.path)]
                for j, c in enumerate(kids):
                    child_state = (
                        TaskState.ACCEPTED
                        if state in (TaskState.DONE, TaskState.ACCEPTED)
                        else _pick_state(rng, created, due, j)
                    )
                    _assignment(
                        task, a, c, deadline, child_state, created_at + dt.timedelta(days=1), now, events, rng
                    )
                events.append(
                    TaskEvent(
                        assignment=a,
                        verb="pass_down",
                        note="分派至" + "、".join(c.name for c in kids[:6]),
                        at=created_at + dt.timedelta(days=1),
                    )
                )
    ctx.bulk_insert(TaskEvent, events)
    from .services import escalate_overdue

    escalate_overdue(today)


def _pick_state(rng, created: int, due: int, i: int) -> str:
    if due < 0:  # past its deadline: most done, a few still open (overdue, escalated)
        return rng.choice(
            [TaskState.ACCEPTED] * 4 + [TaskState.DONE, TaskState.IN_PROGRESS, TaskState.RECEIVED]
        )
    if created > -7:  # just issued
        return rng.choice([TaskState.ISSUED, TaskState.ISSUED, TaskState.RECEIVED])
    order = [
        TaskState.IN_PROGRESS,
        TaskState.DONE,
        TaskState.RETURNED,
        TaskState.RECEIVED,
        TaskState.ACCEPTED,
        TaskState.ISSUED,
    ]
    return order[i % len(order)]


def _assignment(task, parent, region, deadline, state, start, now, events, rng) -> TaskAssignment:
    steps = PATHS[state]
    span = max(1.0, (now - start).total_seconds() / 86400 - 0.5)
    times = sorted(start + dt.timedelta(days=rng.uniform(0.1, span)) for _ in steps)
    a = TaskAssignment(
        task=task, parent=parent, region=region, deadline=deadline, state=state, updated_at=now
    )
    events.append(TaskEvent(assignment=a, verb="issue", note=task.title, at=start))
    for verb, at in zip(steps, times, strict=True):
        if verb == "receive":
            a.received_at = at
        elif verb == "progress":
            a.progress = rng.choice([30, 50, 60, 80])
            a.progress_note = NOTES["progress"]
        elif verb == "complete":
            a.progress, a.evidence, a.done_at = 100, NOTES["complete"], at
        elif verb == "accept":
            a.accepted_at = at
        elif verb == "return":
            a.return_reason, a.done_at = NOTES["return"], None
        events.append(TaskEvent(assignment=a, verb=verb, note=NOTES[verb], at=at))
    a.save()
    return a
