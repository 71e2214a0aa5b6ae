"""Demo proactive governance: the hot topics computed over the demo cases (the nightly job's run), and
from the hottest ones a few 未诉先办 tasks and 每月一题 themes in every state, started weeks ago so that
their effect on the case count is measured."""

from __future__ import annotations

import datetime

from django.utils import timezone

from grassroots.people.models import Worker

from . import clustering, services
from .models import HotTopic, HotTopicRun, Initiative, InitiativeKind, InitiativeState, Level

S = InitiativeState
# (kind, level, state, days since started (None = not started))
PLANS = [
    (InitiativeKind.TASK, Level.COMMUNITY, S.IN_PROGRESS, 12),
    (InitiativeKind.TASK, Level.COMMUNITY, S.DONE, 25),
    (InitiativeKind.TASK, Level.COMMUNITY, S.DRAFT, None),
    (InitiativeKind.TASK, Level.STREET, S.EVALUATED, 40),
    (InitiativeKind.TASK, Level.STREET, S.CANCELLED, None),
    (InitiativeKind.THEME, Level.STREET, S.IN_PROGRESS, 6),
    (InitiativeKind.THEME, Level.DISTRICT, S.IN_PROGRESS, 6),
    (InitiativeKind.THEME, Level.CITY, S.DRAFT, None),
]
PLAN_TEXT = {
    InitiativeKind.TASK: "梳理本期相关诉求，逐户回访了解原因；联合物业和职能部门现场踏勘，"
    "制定整改清单，明确完成时限。",
    InitiativeKind.THEME: "把本月反映最集中的问题作为“每月一题”，由责任领导牵头，"
    "建立问题、任务、责任三张清单，集中攻坚。",
}
SUFFIX = {InitiativeKind.TASK: "专项治理", InitiativeKind.THEME: "攻坚"}
MEASURES = (
    "1. 建立台账，逐件销号；2. 召开居民议事会听取意见；3. 职能部门吹哨报到，现场解决；4. 完成后回访满意度。"
)


def generate(ctx) -> None:
    if HotTopicRun.objects.exists():
        return
    with ctx.progress("热点问题与主动治理", 2) as bar:
        run = services.start_run(None, trigger="nightly", enqueue=False)
        clustering.execute_run(run.pk)
        bar.advance()
        _initiatives(ctx)
        bar.advance()


def _initiatives(ctx) -> None:
    rng = ctx.rng("proactive")
    now = timezone.now()
    today = timezone.localdate()
    month = today.replace(day=1)
    used: set[tuple] = set()
    by_level: dict[str, list[HotTopic]] = {}
    for t in HotTopic.objects.select_related("region", "category").order_by("-case_count", "key"):
        by_level.setdefault(t.level, []).append(t)
    workers: dict[int, Worker] = {}
    for w in Worker.objects.select_related("region").order_by("pk")[:2000]:
        workers.setdefault(w.region_id, w)
    rows, seq = [], {}
    for kind, level, state, days in PLANS:
        topic = next(
            (t for t in by_level.get(level, []) if (t.region_id, t.category_id, t.keyword) not in used), None
        )
        if topic is None:
            continue
        if kind == InitiativeKind.THEME and (topic.region_id, month) in used:
            continue
        used.add((topic.region_id, topic.category_id, topic.keyword))
        if kind == InitiativeKind.THEME:
            used.add((topic.region_id, month))
        prefix = ("WS" if kind == InitiativeKind.TASK else "MY") + f"{today:%Y}"
        seq[prefix] = seq.get(prefix, 0) + 1
        worker = workers.get(topic.region_id)
        started = now - datetime.timedelta(days=days, hours=rng.uniform(0, 6)) if days is not None else None
        created = (started or now) - datetime.timedelta(days=2)
        i = Initiative(
            number=f"{prefix}{seq[prefix]:05d}",
            kind=kind,
            title=f"{topic.region.name}{topic.category.name}{SUFFIX[kind]}",
            region=topic.region,
            owner_worker=worker,
            owner_name=worker.name if worker else ctx.faker("proactive").name(),
            plan=PLAN_TEXT[kind],
            measures=MEASURES if kind == InitiativeKind.THEME else "",
            month=month if kind == InitiativeKind.THEME else None,
            due_date=today + datetime.timedelta(days=rng.randint(10, 40)),
            cluster_region=topic.region,
            category_id=topic.category_id,
            keyword=topic.keyword,
            hot_topic=topic,
            state=state,
            started_at=started,
            created_at=created,
            updated_at=started or created,
        )
        if state in (S.DONE, S.EVALUATED):
            i.done_at = started + datetime.timedelta(days=days // 2)
            i.done_note = "整改清单已全部完成，经回访居民满意。"
        if state == S.EVALUATED:
            i.evaluated_at = now - datetime.timedelta(days=1)
            i.evaluation = "问题得到根本解决，相关诉求明显减少，经验在全街道推广。"
            effect = services.measure_effect(i, now)
            services._store_effect(i, effect, now)
        if state == S.CANCELLED:
            i.cancel_reason = "已并入区级每月一题统一推进"
        rows.append(i)
    Initiative.objects.bulk_create(rows)
    services.refresh_effects(now)
