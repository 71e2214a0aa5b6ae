"""Demo step "standards": last year's evaluation cycles for every community and street (at various
steps, indicators computed from the demo data), community funding records, demonstration sites,
one branch health run, rectification tasks for the red branches, and every street's duty list and
delegated powers (Jilin lists 282 duties and 60 county powers per street; the demo lists fewer distinct
ones, checked in part)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from grassroots.regions.models import Region

from . import assess, health, indicators
from .models import (
    BranchHealth,
    EvalState,
    Evaluation,
    EvaluationScore,
    EvaluationStep,
    FundingRecord,
    Honour,
    Light,
    Rectification,
    StreetDuty,
    make_duty_uid,
)

STATES = [EvalState.SELF, EvalState.REVIEW, EvalState.CONFIRM, EvalState.CONFIRMED]
STATE_WEIGHTS = [2, 2, 2, 4]
PATH = {
    EvalState.REVIEW: [("submit", EvalState.SELF, EvalState.REVIEW)],
    EvalState.CONFIRM: [
        ("submit", EvalState.SELF, EvalState.REVIEW),
        ("approve", EvalState.REVIEW, EvalState.CONFIRM),
    ],
    EvalState.CONFIRMED: [
        ("submit", EvalState.SELF, EvalState.REVIEW),
        ("approve", EvalState.REVIEW, EvalState.CONFIRM),
        ("confirm", EvalState.CONFIRM, EvalState.CONFIRMED),
    ],
}
COMMENTS = {"submit": "自评完成，佐证材料已上传", "approve": "审核通过", "confirm": "同意街道审核意见"}
CITATIONS = [
    "党建引领红色物业，小区治理成效明显",
    "“大党委”共驻共建机制运行规范，驻区单位参与度高",
    "网格党组织全覆盖，诉求就地解决率高",
    "党群服务中心功能完善，群众满意度高",
    "在职党员双报到常态化，志愿服务品牌突出",
]
TENTH = Decimal("0.1")
# (category, duties): a street's duty list (街道职责清单) by area of work.
STREET_DUTIES = [
    (
        "党的建设",
        [
            "落实街道党工委全面从严治党主体责任",
            "指导社区党组织换届选举和班子建设",
            "推进网格党支部、楼栋党小组建设",
            "组织在职党员到社区双报到",
            "统筹辖区驻区单位开展共驻共建",
            "管理党群服务中心阵地运行",
            "开展软弱涣散党组织整顿",
            "做好流动党员和离退休党员管理服务",
        ],
    ),
    (
        "民生服务",
        [
            "办理城乡居民基本养老保险参保登记",
            "受理最低生活保障申请并入户调查",
            "开展特困人员救助供养初审",
            "组织高龄津贴发放核查",
            "推进居家和社区养老服务",
            "开展残疾人证申领初审和帮扶",
            "组织辖区就业援助和技能培训",
            "办理退役军人服务保障事项",
        ],
    ),
    (
        "平安建设",
        [
            "组织开展矛盾纠纷排查化解",
            "落实安全生产属地管理责任",
            "开展消防安全网格化巡查",
            "组织防汛防台和应急处置演练",
            "配合开展禁毒和反诈宣传",
            "做好重点人员服务管理",
        ],
    ),
    (
        "城市管理",
        [
            "组织开展环境卫生整治",
            "推进生活垃圾分类工作",
            "配合查处违法建设",
            "开展老旧小区改造协调",
            "督促物业服务企业履行职责",
            "组织开展市容秩序巡查",
        ],
    ),
    (
        "社会治理",
        [
            "指导社区居民委员会依法自治",
            "推动居民公约和议事协商",
            "受理和转办12345热线诉求",
            "组织吹哨报到和部门协同处置",
            "培育发展社区社会组织",
            "开展志愿服务和微心愿活动",
        ],
    ),
]
# County powers delegated to streets (县级赋权事项, Jilin: 60).
STREET_POWERS = [
    ("城市管理", "对擅自占用城市道路行为的行政处罚"),
    ("城市管理", "对在城市道路两侧擅自设置户外广告的行政处罚"),
    ("城市管理", "对随意倾倒、抛撒生活垃圾的行政处罚"),
    ("城市管理", "对违反规定饲养犬只影响市容的行政处罚"),
    ("城市管理", "对占道经营行为的行政处罚"),
    ("应急管理", "对生产经营单位未按规定开展安全检查的行政检查"),
    ("应急管理", "对小型经营场所消防安全的行政检查"),
    ("自然资源", "对未经批准临时用地的行政检查"),
    ("民政", "对社区社会组织的备案管理"),
    ("卫生健康", "对公共场所卫生状况的日常检查"),
    ("市场监管", "对食品摊贩的登记管理"),
    ("住房建设", "对物业服务活动的监督检查"),
]
BASIS = ["《吉林省街道办事处职责清单》", "区委编办赋权文件", "《城市居民委员会组织法》", "区政府规章"]


def _q(x) -> Decimal:
    return Decimal(str(x)).quantize(TENTH, rounding=ROUND_HALF_UP)


def generate(ctx) -> None:
    year = ctx.today.year - 1
    _funding(ctx, year)
    _evaluations(ctx, year)
    _honours(ctx, year)
    _street_duties(ctx)
    _health(ctx)


def _funding(ctx, year: int) -> None:
    rng = ctx.rng("standards.funding")
    communities = list(Region.objects.filter(level="community").order_by("path").only("id"))
    rows = []
    for c in communities:
        # GOV-9 counts the 服务群众专项经费 only: most communities reach 200,000 yuan, a few fall short.
        finance = rng.choice([50000, 80000, 100000, 120000])
        service = rng.choice([150000, 180000, 200000, 200000, 220000, 250000, 250000, 300000])
        received = [("finance", finance), ("service", service), ("party", rng.choice([10000, 20000, 30000]))]
        for kind, amount in received:
            if amount:
                rows.append(
                    FundingRecord(
                        community_id=c.id,
                        year=year,
                        direction="received",
                        kind=kind,
                        amount=Decimal(amount),
                        on_date=datetime.date(year, rng.randint(1, 4), rng.randint(1, 28)),
                        note="年度拨付",
                    )
                )
        total = sum(a for _k, a in received)
        for kind in ("activity", "services", "operation", "training"):
            amount = int(total * rng.uniform(0.1, 0.25))
            rows.append(
                FundingRecord(
                    community_id=c.id,
                    year=year,
                    direction="spent",
                    kind=kind,
                    amount=Decimal(amount),
                    on_date=datetime.date(year, rng.randint(3, 12), rng.randint(1, 28)),
                    note="",
                )
            )
    with ctx.progress("社区经费", len(rows)) as bar:
        ctx.bulk_insert(FundingRecord, rows, progress=bar)


def _evaluations(ctx, year: int) -> None:
    rng = ctx.rng("standards.evaluations")
    regions = list(Region.objects.filter(level__in=["street", "community"]).order_by("path"))
    items = {level: list(assess.items_for(level)) for level in ("street", "community")}
    params = assess.grade_params()
    now = timezone.now()
    with ctx.progress("年度考评", len(regions)) as bar:
        for region in regions:
            state = rng.choices(STATES, STATE_WEIGHTS)[0]
            ev = Evaluation.objects.create(period=year, region=region, level=region.level, state=state)
            cache: dict[str, indicators.Measure] = {}
            scores = []
            total = Decimal(0)
            max_total = Decimal(0)
            areas: dict[str, dict] = {}
            for item in items[region.level]:
                s = EvaluationScore(evaluation=ev, item=item)
                if item.measure == "indicator":
                    if item.indicator not in cache:
                        cache[item.indicator] = indicators.measure(item.indicator, region, year)
                    m = cache[item.indicator]
                    s.value, s.target, s.facts = m.value, m.target, (m.facts or "")[:300]
                    s.self_score = (
                        _q(item.max_score * Decimal(str(m.ratio))) if m.ratio is not None else _q(0)
                    )
                else:
                    s.self_score = _q(item.max_score * Decimal(str(rng.choice([1, 1, 1, 0.5, 0]))))
                if state in (EvalState.CONFIRM, EvalState.CONFIRMED):
                    cut = Decimal(str(rng.choice([0, 0, 0, 0.5])))
                    s.review_score = max(Decimal(0), s.self_score - cut)
                if state == EvalState.CONFIRMED:
                    s.final_score = s.review_score
                scores.append(s)
                a = areas.setdefault(item.area.code, {"name": item.area.name, "score": 0.0, "max": 0.0})
                a["max"] += float(item.max_score)
                a["score"] += float(s.score or 0)
                total += s.score or 0
                max_total += item.max_score
            EvaluationScore.objects.bulk_create(scores)
            ev.total, ev.max_total, ev.area_scores = total, max_total, areas
            if state == EvalState.CONFIRMED:
                ev.grade = assess.grade_for(float(100 * total / max_total) if max_total else None, params)
            ev.save(update_fields=["total", "max_total", "area_scores", "grade"])
            steps = []
            for k, (verb, src, dst) in enumerate(PATH.get(state, [])):
                steps.append(
                    EvaluationStep(
                        evaluation=ev,
                        verb=verb,
                        from_state=src,
                        to_state=dst,
                        comment=COMMENTS[verb],
                        at=now - datetime.timedelta(days=30 - 10 * k),
                    )
                )
            EvaluationStep.objects.bulk_create(steps)
            bar.advance()


def _honours(ctx, year: int) -> None:
    """Demonstration sites: Ordos names 41; here up to 41 communities across the city."""
    rng = ctx.rng("standards.honours")
    communities = list(Region.objects.filter(level="community").order_by("path").only("id", "name"))
    chosen = rng.sample(communities, min(41, len(communities)))
    rows = []
    for k, c in enumerate(chosen):
        revoked = k % 20 == 19
        rows.append(
            Honour(
                region_id=c.id,
                name=f"{c.name}党建引领基层治理示范点",
                year=year - rng.randint(0, 2),
                level=rng.choice(["city", "district", "district", "street"]),
                citation=rng.choice(CITATIONS),
                revoked_at=datetime.date(year, 12, 1) if revoked else None,
                revoke_reason="年度复核未通过" if revoked else "",
            )
        )
    ctx.bulk_insert(Honour, rows)


def _health(ctx) -> None:
    run = health.start_run(None, trigger="nightly", enqueue=False)
    run = health.execute_run(run.pk)
    rng = ctx.rng("standards.rectifications")
    red = list(
        BranchHealth.objects.filter(run=run, light=Light.RED)
        .select_related("org")
        .order_by("org__path")[:200]
    )
    today = ctx.today
    rows = []
    for r in red:
        first = r.findings[0] if r.findings else None
        if first is None:
            continue
        state = rng.choice(["open", "in_progress", "done", "verified"])
        rows.append(
            Rectification(
                org_id=r.org_id,
                rule=first["rule"],
                problem=f"{first['object']}：{first['message']}"[:500],
                measure=first.get("action", "")[:500],
                owner_name=ctx.faker("standards.rectifications").name(),
                deadline=today + datetime.timedelta(days=rng.randint(-20, 40)),
                state=state,
                result="已按要求整改" if state in ("done", "verified") else "",
                source_id=r.pk,
            )
        )
    ctx.bulk_insert(Rectification, rows)


def _street_duties(ctx) -> None:
    """Every street's duty list and delegated powers, about two thirds checked (some not carried out)."""
    rng = ctx.rng("standards-duties")
    checked_at = timezone.now() - datetime.timedelta(days=30)
    rows = []
    for street in Region.objects.filter(level="street").order_by("path"):
        items = [("duty", cat, title) for cat, titles in STREET_DUTIES for title in titles]
        items += [("power", cat, title) for cat, title in STREET_POWERS]
        counters = {"duty": 0, "power": 0}
        for kind, cat, title in items:
            counters[kind] += 1
            code = f"{'ZZ' if kind == 'duty' else 'FQ'}-{counters[kind]:03d}"
            roll = rng.random()
            status = "pending" if roll < 0.35 else ("issue" if roll < 0.45 else "ok")
            rows.append(
                StreetDuty(
                    uid=make_duty_uid(street.code, code),
                    street=street,
                    kind=kind,
                    code=code,
                    category=cat,
                    title=title,
                    basis=rng.choice(BASIS),
                    status=status,
                    check_note={"ok": "已落实，台账齐全", "issue": "人员和经费尚未到位，正在协调"}.get(
                        status, ""
                    ),
                    checked_at=None if status == "pending" else checked_at,
                )
            )
    ctx.bulk_insert(StreetDuty, rows)
