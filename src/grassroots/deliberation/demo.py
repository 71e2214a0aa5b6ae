"""Demo 居民议事: in the first communities of every street, residents (demo accounts linked to households
of the community) propose topics; each community has topics in every state, from 待审核 to 已办结, with
三定 meetings, options, votes and 我为群众办实事 projects."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from grassroots.core.crypto import lookup_hash
from grassroots.regions.models import Household, Region

from .models import Option, ProposerKind, Topic, TopicState, Vote

VOTERS_PER_COMMUNITY = 30
COMMUNITIES_PER_STREET = 2
# (title, content, options, resolution, project)
TOPICS = [
    (
        "老楼加装电梯费用分摊",
        "3号楼、5号楼居民希望加装电梯，费用如何在各楼层之间分摊需要大家商量。",
        ["按楼层系数分摊", "一二层不出资，其余楼层均摊", "暂缓加装，先做意见征集"],
        "按楼层系数分摊，社区协助申请加装电梯补贴。",
        "3号楼加装电梯",
    ),
    (
        "小区夜间停车难",
        "晚上八点后小区内车位紧张，消防通道常被占用。",
        ["与周边单位错峰共享车位", "绿化带边缘改建临时车位", "实行停车收费管理"],
        "与驻区单位签订错峰共享停车协议，夜间开放车位。",
        "错峰共享停车",
    ),
    (
        "电动自行车集中充电",
        "楼道飞线充电存在火灾隐患，需要建设集中充电设施。",
        ["南门建设充电车棚", "北门建设充电车棚"],
        "在南门空地建设充电车棚，安装智能充电插座。",
        "南门充电车棚",
    ),
    (
        "闲置空地改建口袋公园",
        "小区西侧闲置空地杂草丛生，居民希望改建为休闲场地。",
        ["建设儿童游乐区", "建设老年健身区", "分区建设，两者兼顾"],
        "分区建设，东侧儿童游乐区、西侧老年健身区。",
        "西侧口袋公园",
    ),
    (
        "广场舞时间与音量",
        "广场舞音量较大，影响临街住户休息。",
        ["19:00—20:30，音量不超过60分贝", "19:00—21:00，音量不超过55分贝"],
        "每晚19:00—20:30，音量不超过60分贝，由楼长轮流提醒。",
        "",
    ),
    (
        "垃圾分类投放点调整",
        "现有投放点离部分楼栋较远，投放时间也偏短。",
        ["保留现有四处投放点", "合并为两处并延长投放时间"],
        "合并为两处投放点，投放时间延长至晚上九点。",
        "垃圾分类投放点改造",
    ),
    (
        "楼道杂物清理长效管理",
        "楼道堆放杂物，既影响通行又有消防隐患。",
        ["楼长牵头每月集中清理", "物业统一清理并张榜提醒"],
        "楼长牵头每月第一个周六集中清理，物业配合清运。",
        "",
    ),
    (
        "文明养犬公约",
        "小区内遛狗不牵绳、不清理粪便的情况较多。",
        ["制定文明养犬公约并张贴", "划定遛狗区域和时段"],
        "",
        "",
    ),
]
# the state of the k-th topic in a community (a spread over the whole life)
STATES = [
    TopicState.DONE,
    TopicState.IN_PROGRESS,
    TopicState.DECIDED,
    TopicState.VOTING,
    TopicState.DONE,
    TopicState.ACCEPTED,
    TopicState.REJECTED,
    TopicState.PROPOSED,
]


def _voters(ctx, community: Region, households: list[Household], fake) -> list:
    from grassroots.accounts.models import ResidentProfile, Role, RoleAssignment, User

    users = []
    for i in range(VOTERS_PER_COMMUNITY):
        u = User(username=f"yishi-{community.code}-{i:02d}", display_name=fake.name())
        u.set_unusable_password()
        users.append(u)
    users = User.objects.bulk_create(users)
    role = Role.objects.get(code="resident")
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=role) for u in users])
    ResidentProfile.objects.bulk_create(
        [
            ResidentProfile(
                user=u,
                phone_hash=lookup_hash(f"yishi-{community.code}-{i}"),
                phone_masked=f"13{i % 10}****{1000 + i}",
                household=households[i % len(households)],
            )
            for i, u in enumerate(users)
        ]
    )
    return users


def generate(ctx) -> None:
    if Topic.objects.exists():
        return
    rng = ctx.rng("deliberation")
    fake = ctx.faker("deliberation")
    now = timezone.now()
    communities = []
    by_street: dict[str, int] = {}
    for c in Region.objects.filter(level="community").order_by("path").only("pk", "code", "name", "path"):
        street = c.path[: -Region.steplen]
        if by_street.get(street, 0) < COMMUNITIES_PER_STREET:
            by_street[street] = by_street.get(street, 0) + 1
            communities.append(c)
    plans = []
    with ctx.progress("居民议事", len(communities)) as bar:
        for community in communities:
            households = list(
                Household.objects.filter(entrance__path__startswith=community.path).order_by("pk")[:200]
            )
            if not households:
                bar.advance()
                continue
            voters = _voters(ctx, community, households, fake)
            picks = rng.sample(range(len(TOPICS)), len(STATES))
            for k, (state, index) in enumerate(zip(STATES, picks, strict=True)):
                title, content, options, resolution, project = TOPICS[index]
                if state in (TopicState.IN_PROGRESS, TopicState.DONE) and not project:
                    state = TopicState.DECIDED
                if state == TopicState.DECIDED and not resolution:
                    state = TopicState.VOTING
                age = datetime.timedelta(days=12 * (len(STATES) - k) + rng.uniform(0, 8))
                plans.append(
                    (community, voters, state, title, content, options, resolution, project, now - age)
                )
            bar.advance()
    topics, extra = [], []
    for community, voters, state, title, content, options, resolution, project, created in plans:
        proposer = rng.choice(voters)
        topic = Topic(
            number=uuid.uuid4().hex[:20],
            region=community,
            title=title,
            content=content,
            proposer=proposer,
            proposer_name=proposer.display_name,
            proposer_kind=ProposerKind.RESIDENT,
            state=state,
            created_at=created,
            updated_at=created,
        )
        if state == TopicState.REJECTED:
            topic.screen_note = "属于业主大会表决事项，已转交业主委员会"
        if state not in (TopicState.PROPOSED, TopicState.REJECTED):
            # Meetings are held on a local evening a week after the proposal (residents come after work).
            evening = timezone.localtime(created).replace(hour=19, minute=30, second=0, microsecond=0)
            topic.meeting_at = evening + datetime.timedelta(days=7)
            topic.meeting_place = f"{community.name}党群服务中心议事厅"
            topic.meeting_theme = title
            topic.participants = "社区党委、物业服务企业、业主委员会、驻区单位代表、人大代表"
        if state not in (TopicState.PROPOSED, TopicState.REJECTED, TopicState.ACCEPTED):
            topic.voting_opened_at = topic.meeting_at
        topics.append(topic)
        extra.append((voters, options, resolution, project))
    Topic.objects.bulk_create(topics, batch_size=ctx.batch_size)
    if any(t.pk is None for t in topics):  # backends without RETURNING
        ids = dict(Topic.objects.values_list("number", "pk"))
        for t in topics:
            t.pk = ids[t.number]
    all_options, votes = [], []
    for topic, (_v, labels, _r, _p) in zip(topics, extra, strict=True):
        topic.number = f"YS{topic.created_at.year}{topic.pk:06d}"
        if topic.state in (TopicState.PROPOSED, TopicState.REJECTED):
            continue
        for i, label in enumerate(labels):
            all_options.append(Option(topic=topic, label=label, order=i))
    Topic.objects.bulk_update(topics, ["number"], batch_size=ctx.batch_size)
    Option.objects.bulk_create(all_options, batch_size=ctx.batch_size)
    options_of: dict[int, list[Option]] = {}
    for o in Option.objects.filter(topic__in=topics).order_by("topic_id", "order"):
        options_of.setdefault(o.topic_id, []).append(o)
    closed = []
    for topic, (voters, _labels, resolution, project) in zip(topics, extra, strict=True):
        opts = options_of.get(topic.pk)
        if not opts or topic.state == TopicState.ACCEPTED:
            continue
        turnout = rng.sample(voters, rng.randint(len(voters) // 2, len(voters)))
        weights = [rng.uniform(1, 3) for _ in opts]
        weights[0] *= 2  # the first option usually wins: it is the resolution's
        for v in turnout:
            option = rng.choices(opts, weights=weights)[0]
            cast = topic.voting_opened_at + datetime.timedelta(hours=rng.uniform(0, 48))
            votes.append(Vote(topic=topic, option=option, voter=v, cast_at=cast))
        if topic.state == TopicState.VOTING:
            continue
        topic.chosen_option = opts[0]
        topic.resolution = resolution
        topic.voting_closed_at = topic.voting_opened_at + datetime.timedelta(days=3)
        if topic.state in (TopicState.IN_PROGRESS, TopicState.DONE):
            topic.project_title = project
            topic.project_owner = fake.name()
            topic.project_due = (topic.voting_closed_at + datetime.timedelta(days=60)).date()
        if topic.state == TopicState.DONE:
            topic.done_at = topic.voting_closed_at + datetime.timedelta(days=rng.randint(20, 50))
            topic.done_note = f"{project}已完成，经居民代表验收，结果已在小区公示栏公开。"
        topic.updated_at = topic.done_at or topic.voting_closed_at
        closed.append(topic)
    ctx.bulk_insert(Vote, votes)
    # The vote must have favoured the adopted option: recount and adopt the real winner.
    from django.db.models import Count

    tallies: dict[int, list[tuple[int, int]]] = {}
    for row in Vote.objects.filter(topic__in=closed).values("topic_id", "option_id").annotate(n=Count("id")):
        tallies.setdefault(row["topic_id"], []).append((row["n"], row["option_id"]))
    for topic in closed:
        ranked = sorted(tallies.get(topic.pk, []), reverse=True)
        if ranked and ranked[0][1] != topic.chosen_option.pk:
            winner = next(o for o in options_of[topic.pk] if o.pk == ranked[0][1])
            topic.chosen_option = winner
            topic.resolution = f"采纳“{winner.label}”。" + topic.resolution
    Topic.objects.bulk_update(
        closed,
        [
            "chosen_option",
            "resolution",
            "voting_closed_at",
            "project_title",
            "project_owner",
            "project_due",
            "done_at",
            "done_note",
            "updated_at",
        ],
        batch_size=ctx.batch_size,
    )
