"""Demo 一窗受理 · 全程代办: each district's catalog of service items (civil affairs, social security,
medical insurance, disabled persons' federation, police, health), and in the first communities of
every street applications in every state taken at the window or at home, forwarded with deadlines from
the working-day calendar, mostly done on time and evaluated; and door-to-door offers to elderly
households, the accepted ones turned into door-to-door applications."""

from __future__ import annotations

import datetime

from django.utils import timezone

from grassroots.cases.models import Handler, HandlerKind
from grassroots.cases.workdays import WorkCalendar
from grassroots.core.crypto import lookup_hash
from grassroots.regions.models import Household, Region

from .models import (
    Application,
    ApplicationChannel,
    ApplicationState,
    OfferState,
    ServiceItem,
    ServiceOffer,
)

COMMUNITIES_PER_STREET = 2
APPLICATIONS_PER_COMMUNITY = 14
OFFERS_PER_COMMUNITY = 4
# (name, department suffix, materials, working days, door to door)
ITEMS = [
    ("高龄津贴申领", "民政局", ["身份证", "户口簿", "银行卡复印件", "一寸照片"], 10, True),
    ("最低生活保障申请", "民政局", ["身份证", "户口簿", "家庭收入证明", "家庭财产申报表"], 30, True),
    ("残疾人两项补贴申领", "残疾人联合会", ["身份证", "残疾证", "户口簿"], 15, True),
    ("城乡居民医保参保登记", "医疗保障局", ["身份证", "户口簿"], 5, True),
    ("城乡居民养老保险待遇领取", "人力资源和社会保障局", ["身份证", "户口簿", "银行卡复印件"], 10, True),
    ("就业失业登记", "人力资源和社会保障局", ["身份证", "就业失业登记表"], 5, False),
    ("居住证办理", "公安分局", ["身份证", "居住登记凭证", "租房合同"], 15, False),
    ("独生子女父母奖励申领", "卫生健康局", ["身份证", "户口簿", "独生子女父母光荣证"], 20, False),
]
# state, weight
STATES = [
    (ApplicationState.DONE, 8),
    (ApplicationState.ACCEPTED, 2),
    (ApplicationState.FORWARDED, 2),
    (ApplicationState.RECEIVED, 1),
    (ApplicationState.INCOMPLETE, 1),
    (ApplicationState.REFUSED, 1),
    (ApplicationState.WITHDRAWN, 1),
]
RESULTS = {
    "高龄津贴申领": "审核通过，自次月起按月发放高龄津贴",
    "最低生活保障申请": "经入户调查和公示，纳入最低生活保障",
    "残疾人两项补贴申领": "审核通过，按月发放护理补贴",
    "城乡居民医保参保登记": "已完成参保登记",
    "城乡居民养老保险待遇领取": "待遇核定完成，按月发放",
    "就业失业登记": "已办理就业失业登记证",
    "居住证办理": "居住证已制发，可到社区领取",
    "独生子女父母奖励申领": "审核通过，奖励已发放",
}
COMMENTS = ["社区上门办理，很方便", "一次就办好了", "工作人员很耐心", "办得挺快", "", "", ""]


def _department(district: Region, suffix: str) -> Handler:
    name = f"{district.name}{suffix}"
    handler, _ = Handler.objects.get_or_create(
        kind=HandlerKind.DEPARTMENT, name=name, region=district, defaults={"is_active": True}
    )
    return handler


def _catalog(district: Region) -> list[ServiceItem]:
    items = []
    for name, suffix, materials, days, door in ITEMS:
        item = ServiceItem.objects.filter(region=district, name=name).first()
        if item is None:
            item = ServiceItem.objects.create(
                region=district,
                name=name,
                department=_department(district, suffix),
                materials=materials,
                time_limit_days=days,
                door_to_door=door,
            )
        items.append(item)
    return items


def _weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    x = rng.uniform(0, total)
    for value, w in pairs:
        x -= w
        if x <= 0:
            return value
    return pairs[-1][0]


def generate(ctx) -> None:
    if Application.objects.exists():
        return
    rng = ctx.rng("onewindow")
    fake = ctx.faker("onewindow")
    now = timezone.now()
    catalogs = {d.path: _catalog(d) for d in Region.objects.filter(level="district").order_by("path")}
    communities, by_street = [], {}
    for c in Region.objects.filter(level="community").order_by("path").only("pk", "name", "path"):
        street = c.path[: -Region.steplen]
        if by_street.get(street, 0) < COMMUNITIES_PER_STREET:
            by_street[street] = by_street.get(street, 0) + 1
            communities.append(c)
    cal = WorkCalendar.load(now.year - 1, now.year + 1)
    apps, offers, seq = [], [], 0
    with ctx.progress("一窗受理", len(communities)) as bar:
        for community in communities:
            items = catalogs.get(community.path[: Region.steplen * 2], [])
            households = list(
                Household.objects.filter(entrance__path__startswith=community.path).order_by("pk")[:300]
            )
            if not items or not households:
                bar.advance()
                continue
            elderly = [h for h in households if ",elderly_alone," in h.tags or ",empty_nest," in h.tags]
            for _k in range(APPLICATIONS_PER_COMMUNITY):
                seq += 1
                item = rng.choice(items)
                state = _weighted(rng, STATES)
                household = rng.choice(households) if rng.random() < 0.6 else None
                door = item.door_to_door and rng.random() < 0.3
                if door and household is None:
                    household = rng.choice(households)
                apps.append(
                    _application(ctx, rng, fake, cal, now, seq, community, item, state, household, door)
                )
            for h in elderly[:OFFERS_PER_COMMUNITY]:
                offers.append((community, h))
            bar.advance()
    Application.objects.bulk_create(apps, batch_size=ctx.batch_size)
    _offers(rng, now, offers, catalogs)


def _application(ctx, rng, fake, cal, now, seq, community, item, state, household, door) -> Application:
    created = now - datetime.timedelta(days=rng.uniform(2, 90), hours=rng.uniform(0, 6))
    S = ApplicationState
    if household is not None:
        name, phone = household.head_name, household.phone
    else:
        name, phone = fake.name(), fake.phone_number()
    complete = state != S.INCOMPLETE
    received = list(item.materials) if complete else list(item.materials[:1])
    app = Application(
        number=f"DB{timezone.localtime(created):%Y}{seq:07d}",
        community=community,
        item=item,
        department_id=item.department_id,
        channel=ApplicationChannel.DOOR if door else ApplicationChannel.WINDOW,
        household=household,
        applicant_name=name,
        applicant_phone=phone,
        applicant_phone_hash=lookup_hash(phone) if phone else "",
        materials_required=list(item.materials),
        materials_received=received,
        state=state,
        created_at=created,
        updated_at=created,
    )
    if state in (S.FORWARDED, S.ACCEPTED, S.DONE, S.REFUSED):
        app.forwarded_at = created + datetime.timedelta(hours=rng.uniform(1, 20))
        app.due_at = cal.add_working_days(app.forwarded_at, item.time_limit_days)
    if state in (S.ACCEPTED, S.DONE, S.REFUSED):
        app.accepted_at = app.forwarded_at + datetime.timedelta(hours=rng.uniform(2, 30))
    if state == S.DONE:
        span = (app.due_at - app.accepted_at).total_seconds()
        # About one in ten finishes after its deadline.
        share = rng.uniform(1.02, 1.4) if rng.random() < 0.1 else rng.uniform(0.2, 0.95)
        app.finished_at = min(app.accepted_at + datetime.timedelta(seconds=span * share), now)
        app.result = RESULTS.get(item.name, "已办结")
        if rng.random() < 0.7:
            app.rating = _weighted(rng, [(5, 50), (4, 30), (3, 12), (2, 5), (1, 3)])
            app.rating_comment = rng.choice(COMMENTS)
            app.rated_at = app.finished_at + datetime.timedelta(hours=rng.uniform(1, 48))
    elif state == S.REFUSED:
        app.finished_at = app.accepted_at
        app.refuse_reason = "经审核不符合申领条件"
    elif state == S.WITHDRAWN:
        app.finished_at = created + datetime.timedelta(days=1)
        app.withdraw_reason = "居民已通过网上自行办理"
    if app.finished_at and app.finished_at > now:
        app.finished_at = now
    if app.rated_at and app.rated_at > now:
        app.rated_at = now
    return app


def _offers(rng, now, pairs, catalogs) -> None:
    """Offers to elderly households: some waiting for an answer, some declined, and the accepted ones
    linked to a door-to-door application already taken for that household."""
    door_apps = {
        a.household_id: a
        for a in Application.objects.filter(channel=ApplicationChannel.DOOR, household__isnull=False).only(
            "pk", "household_id", "created_at"
        )
    }
    rows = []
    for community, household in pairs:
        app = door_apps.pop(household.pk, None)
        offered = timezone.localtime(
            app.created_at if app else now - datetime.timedelta(days=rng.randint(1, 40))
        )
        state = OfferState.ACCEPTED if app else rng.choice([OfferState.OFFERED, OfferState.DECLINED])
        rows.append(
            ServiceOffer(
                household=household,
                community=community,
                offered_on=offered.date(),
                note="独居老人，行动不便" if state != OfferState.DECLINED else "子女已代为办理",
                state=state,
                answered_at=None if state == OfferState.OFFERED else offered,
                application=app,
            )
        )
    ServiceOffer.objects.bulk_create(rows)


__all__ = ["generate"]
