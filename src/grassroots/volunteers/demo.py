"""Demo step for volunteers (`generate(ctx)`), after orglife: for every community a staff account,
volunteers (party members living there and residents, each with an account), teams (Ordos: 1,727
teams in ~236 communities, about 7 each), volunteer activities (orglife.Activity of kind "volunteer")
with sign-ups, check-in/out and hours, micro-wishes in every state, a 爱心超市 catalogue and
redemptions, and the points ledger that matches all of it (every balance ≥ 0)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from grassroots.accounts.models import Role, RoleAssignment, User
from grassroots.core.text import initials
from grassroots.orglife.models import Activity, Signup
from grassroots.party.models import Member
from grassroots.regions.models import Region
from grassroots.units.models import Unit

from .models import (
    CatalogItem,
    PointEntry,
    Redemption,
    TeamMember,
    Volunteer,
    VolunteerActivity,
    VolunteerKind,
    VolunteerTeam,
    Wish,
    WishCategory,
    WishState,
    wish_default,
)

TEAM_NAMES = [
    "红马甲",
    "邻里守望",
    "银龄互助",
    "环境卫生",
    "平安巡逻",
    "文明劝导",
    "助学帮扶",
    "心理关爱",
    "法律服务",
]
ACTIVITY_TITLES = [
    "社区环境清洁",
    "敬老院慰问",
    "文明交通劝导",
    "垃圾分类宣传",
    "防诈骗宣讲",
    "义诊进社区",
    "四点半课堂",
]
WISHES = [
    ("想要一台收音机", WishCategory.DAILY),
    ("需要一副老花镜", WishCategory.HEALTH),
    ("孩子想要一套课外书", WishCategory.STUDY),
    ("希望有人陪老人聊聊天", WishCategory.ELDERLY),
    ("需要一辆轮椅", WishCategory.ELDERLY),
    ("想学用智能手机", WishCategory.SERVICE),
    ("冬天需要一床棉被", WishCategory.DAILY),
    ("想要一个书包", WishCategory.STUDY),
    ("家里灯泡坏了想请人换", WishCategory.SERVICE),
    ("需要血压计", WishCategory.HEALTH),
]
# (state, count) of wishes per community: every state is present.
WISH_STATES = [
    (WishState.SUBMITTED, 1),
    (WishState.REJECTED, 1),
    (WishState.PUBLISHED, 3),
    (WishState.CLAIMED, 2),
    (WishState.FULFILLED, 1),
    (WishState.CONFIRMED, 4),
    (WishState.EXPIRED, 1),
]
ITEMS = [("洗衣液", 30), ("食用油", 50), ("大米 5 斤", 60), ("毛巾", 15), ("雨伞", 40), ("保温杯", 80)]


def _password() -> str:
    return "!" + secrets.token_hex(20)  # unusable: demo volunteers sign in with a one-time code


def generate(ctx) -> None:
    rng = ctx.rng("volunteers")
    wish_points = wish_default("points")  # GOV-11
    fake = ctx.faker("volunteers")
    now = timezone.now()
    communities = list(
        Region.objects.filter(level="community").exclude(volunteers__isnull=False).order_by("path")
    )
    if not communities:
        return
    role = Role.objects.get(code="grid_worker")
    per = ctx.scale.get("volunteers_per_community", (12, 24))
    with ctx.progress("志愿服务与积分", len(communities)) as progress:
        # ---- accounts: one staff account per community, one per volunteer
        staff = {
            c.pk: User(username=f"vstaff-{c.code}", password=_password(), display_name=f"{c.name}社工")
            for c in communities
        }
        members_by_c = {}
        for c in communities:
            members_by_c[c.pk] = list(
                Member.objects.filter(residence__path__startswith=c.path).order_by("id")[: per[1] // 2]
            )
        plan = []  # (community, name, kind, member)
        for c in communities:
            n = rng.randint(*per)
            members = members_by_c[c.pk]
            for k in range(n):
                member = members[k] if k < len(members) and k % 2 == 0 else None
                name = member.name if member else fake.name()
                plan.append((c, name, VolunteerKind.MEMBER if member else VolunteerKind.RESIDENT, member))
        vol_users = [
            User(username=f"vol-{c.code}-{i}", password=_password(), display_name=name)
            for i, (c, name, _k, _m) in enumerate(plan)
        ]
        User.objects.bulk_create(list(staff.values()) + vol_users, batch_size=2000)
        staff = {pk: User.objects.get(username=u.username) if u.pk is None else u for pk, u in staff.items()}
        if any(u.pk is None for u in vol_users):
            by_name = dict(User.objects.filter(username__startswith="vol-").values_list("username", "pk"))
            for u in vol_users:
                u.pk = by_name[u.username]
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role=role, region_id=pk) for pk, u in staff.items()], batch_size=2000
        )
        # members get linked to their new account (a member has at most one)
        linked = []
        for (_c, _n, _kind, member), u in zip(plan, vol_users, strict=True):
            if member is not None and member.user_id is None:
                member.user_id = u.pk
                linked.append(member)
        Member.objects.bulk_update(linked, ["user"], batch_size=2000)

        # ---- volunteers and teams
        vols = [
            Volunteer(
                user=u,
                region=c,
                name=name,
                name_initials=initials(name),
                kind=kind,
                member=member,
                phone=f"13{rng.randint(100000000, 999999999)}",
                registered_at=now - dt.timedelta(days=rng.randint(30, 700)),
            )
            for (c, name, kind, member), u in zip(plan, vol_users, strict=True)
        ]
        ctx.bulk_insert(Volunteer, vols)
        vols = list(Volunteer.objects.filter(region__in=communities).select_related("region").order_by("id"))
        by_c: dict[int, list[Volunteer]] = {}
        for v in vols:
            by_c.setdefault(v.region_id, []).append(v)
        teams = []
        for c in communities:
            pool = by_c.get(c.pk, [])
            for name in rng.sample(TEAM_NAMES, rng.randint(3, 8)):
                teams.append(
                    VolunteerTeam(
                        region=c,
                        name=f"{c.name}{name}志愿服务队",
                        name_initials=initials(f"{c.name}{name}志愿服务队"),
                        service_area=name,
                        leader=rng.choice(pool) if pool else None,
                        created_at=now - dt.timedelta(days=rng.randint(60, 900)),
                    )
                )
        ctx.bulk_insert(VolunteerTeam, teams)
        teams = list(VolunteerTeam.objects.filter(region__in=communities).order_by("id"))
        teams_by_c: dict[int, list[VolunteerTeam]] = {}
        memberships = []
        for t in teams:
            teams_by_c.setdefault(t.region_id, []).append(t)
            pool = by_c.get(t.region_id, [])
            chosen = set(rng.sample(pool, min(len(pool), rng.randint(4, 10))))
            if t.leader_id:
                chosen.add(next(v for v in pool if v.pk == t.leader_id))
            memberships += [TeamMember(team=t, volunteer=v, joined_at=t.created_at) for v in chosen]
        ctx.bulk_insert(TeamMember, memberships)

        # ---- activities with sign-ups, check-in/out and hours; the ledger follows
        entries: list[PointEntry] = []
        balance: dict[int, int] = {}

        def credit(user_id, region, amount, source_type, source_id, reason, created_by, at):
            entries.append(
                PointEntry(
                    account_id=user_id,
                    region=region,
                    amount=amount,
                    source_type=source_type,
                    source_id=source_id,
                    reason=reason[:200],
                    created_by_id=created_by,
                    created_at=at,
                )
            )
            balance[user_id] = balance.get(user_id, 0) + amount

        acts, exts = [], []
        for c in communities:
            for k in range(rng.randint(4, 8)):
                past = k > 1
                day = now + dt.timedelta(days=(-rng.randint(3, 180) if past else rng.randint(2, 20)))
                start = timezone.localtime(day).replace(
                    hour=rng.choice([9, 14, 15]), minute=0, second=0, microsecond=0
                )
                hours = rng.choice([2, 2, 3, 4])
                acts.append(
                    Activity(
                        kind="volunteer",
                        title=rng.choice(ACTIVITY_TITLES),
                        region=c,
                        place=f"{c.name}党群服务中心",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=hours),
                        capacity=rng.choice([10, 15, 20, 30]),
                        status="done" if past else "published",
                        published_at=start - dt.timedelta(days=7),
                        done_at=start + dt.timedelta(hours=hours) if past else None,
                        created_by=staff[c.pk],
                        created_at=start - dt.timedelta(days=8),
                    )
                )
        ctx.bulk_insert(Activity, acts)
        acts = list(
            Activity.objects.filter(
                kind="volunteer", region__in=communities, volunteer__isnull=True
            ).order_by("id")
        )
        for a in acts:
            ts = teams_by_c.get(a.region_id) or [None]
            exts.append(
                VolunteerActivity(
                    activity=a, team=rng.choice(ts), points_per_hour=rng.choice([10, 10, 15, 20])
                )
            )
        ctx.bulk_insert(VolunteerActivity, exts)
        pph = dict(
            VolunteerActivity.objects.filter(activity__in=acts).values_list("activity_id", "points_per_hour")
        )
        signups = []
        count_by_act: dict[int, int] = {}
        for a in acts:
            pool = by_c.get(a.region_id, [])
            room = (a.capacity or 30) - a.signed_up_count  # orglife's demo may have signed people up already
            # (activity, user) and (activity, member) are unique: skip whoever orglife signed up already
            taken = (
                list(Signup.objects.filter(activity=a).values_list("user_id", "member_id"))
                if a.signed_up_count
                else []
            )
            taken_users = {u for u, _m in taken if u}
            taken_members = {m for _u, m in taken if m}
            pool = [v for v in pool if v.user_id not in taken_users and v.member_id not in taken_members]
            chosen = rng.sample(pool, max(0, min(len(pool), rng.randint(3, max(3, room)), room)))
            for v in chosen:
                if a.status == "done" and rng.random() < 0.9:
                    check_in = a.starts_at + dt.timedelta(minutes=rng.randint(-20, 20))
                    stay = rng.randint(60, int((a.ends_at - a.starts_at).total_seconds() // 60) + 30)
                    check_out = check_in + dt.timedelta(minutes=stay)
                    start = max(check_in, a.starts_at)
                    minutes = min(
                        max(0, int((min(check_out, a.ends_at) - start).total_seconds() // 60)),
                        int((a.ends_at - a.starts_at).total_seconds() // 60),
                    )
                    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
                    signups.append(
                        Signup(
                            activity=a,
                            user_id=v.user_id,
                            member=v.member,
                            name=v.name,
                            status="attended",
                            signed_up_at=a.starts_at - dt.timedelta(days=3),
                            checked_in_at=check_in,
                            checked_out_at=check_out,
                            hours=hours,
                        )
                    )
                    points = minutes * pph[a.pk] // 60
                    if points:
                        credit(
                            v.user_id,
                            a.region,
                            points,
                            "activity",
                            a.pk,
                            f"志愿服务 {hours} 小时：{a.title}",
                            v.user_id,
                            check_out,
                        )
                else:
                    signups.append(
                        Signup(
                            activity=a,
                            user_id=v.user_id,
                            member=v.member,
                            name=v.name,
                            status="absent" if a.status == "done" else "signed_up",
                            signed_up_at=a.starts_at - dt.timedelta(days=2),
                        )
                    )
                count_by_act[a.pk] = count_by_act.get(a.pk, 0) + 1
        ctx.bulk_insert(Signup, signups)
        for pk, n in count_by_act.items():
            Activity.objects.filter(pk=pk).update(signed_up_count=F("signed_up_count") + n)

        # ---- micro-wishes in every state
        units_by_c: dict[int, list[Unit]] = {}
        for u in Unit.objects.filter(region__in=communities).select_related("region"):
            units_by_c.setdefault(u.region_id, []).append(u)
        wishes = []
        for c in communities:
            poster = staff[c.pk]
            claimers = [v for v in by_c.get(c.pk, []) if v.member_id] or by_c.get(c.pk, [])
            for state, n in WISH_STATES:
                for _ in range(n):
                    title, cat = rng.choice(WISHES)
                    posted = now - dt.timedelta(days=rng.randint(10, 120), hours=rng.randint(0, 23))
                    w = Wish(
                        region=c,
                        title=title,
                        category=cat,
                        description=f"{c.name}居民的小心愿",
                        beneficiary_name=fake.name(),
                        beneficiary_phone=f"139{rng.randint(10000000, 99999999)}",
                        state=state,
                        posted_by=poster,
                        posted_at=posted,
                        open_days=30,
                        claim_days=7,
                    )
                    if state != WishState.SUBMITTED:
                        w.reviewed_by, w.reviewed_at = poster, posted + dt.timedelta(days=1)
                        w.review_note = "不符合帮扶条件" if state == WishState.REJECTED else "情况属实"
                    if state in (
                        WishState.PUBLISHED,
                        WishState.CLAIMED,
                        WishState.FULFILLED,
                        WishState.CONFIRMED,
                        WishState.EXPIRED,
                    ):
                        w.published_at = w.reviewed_at
                        w.expires_at = w.published_at + dt.timedelta(days=30)
                        if state == WishState.PUBLISHED:
                            w.published_at = now - dt.timedelta(days=rng.randint(1, 10))
                            w.expires_at = w.published_at + dt.timedelta(days=30)
                    if state in (WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED) and claimers:
                        v = rng.choice(claimers)
                        unit = (
                            rng.choice(units_by_c[c.pk])
                            if units_by_c.get(c.pk) and rng.random() < 0.25
                            else None
                        )
                        w.claimed_by_id = v.user_id
                        w.claimant_member = v.member if unit is None else None
                        w.claimant_unit = unit
                        w.claimant_name = unit.name if unit else v.name
                        w.claimed_at = w.published_at + dt.timedelta(days=rng.randint(0, 3))
                        w.claim_due_at = w.claimed_at + dt.timedelta(days=7)
                        if state == WishState.CLAIMED:
                            w.claimed_at = now - dt.timedelta(days=rng.choice([1, 2, 9]))  # 9 days: overdue
                            w.claim_due_at = w.claimed_at + dt.timedelta(days=7)
                        if state in (WishState.FULFILLED, WishState.CONFIRMED):
                            w.fulfilled_at = w.claimed_at + dt.timedelta(days=rng.randint(1, 6), hours=3)
                            w.fulfil_note = "已将物品送到居民家中"
                        if state == WishState.CONFIRMED:
                            w.confirmed_at, w.confirmed_by = w.fulfilled_at + dt.timedelta(days=1), poster
                    w.version = 1
                    wishes.append(w)
        ctx.bulk_insert(Wish, wishes)
        for w in Wish.objects.filter(
            region__in=communities, state=WishState.CONFIRMED, claimed_by__isnull=False
        ):
            credit(
                w.claimed_by_id,
                w.region,
                wish_points,
                "wish",
                w.pk,
                f"完成微心愿：{w.title}",
                w.confirmed_by_id,
                w.confirmed_at,
            )
        # a few manual grants
        for v in rng.sample(vols, max(1, len(vols) // 10)):
            credit(
                v.user_id,
                v.region,
                rng.choice([5, 10, 20]),
                "manual",
                None,
                "参与社区议事会",
                staff[v.region_id].pk,
                now - dt.timedelta(days=rng.randint(1, 60)),
            )

        # ---- 爱心超市: catalogue and redemptions that the balances allow
        items = [
            CatalogItem(
                region=c,
                name=name,
                name_initials=initials(name),
                price=price,
                stock=rng.randint(10, 40),
                description="社区爱心企业捐赠",
            )
            for c in communities
            for name, price in rng.sample(ITEMS, 5)
        ]
        ctx.bulk_insert(CatalogItem, items)
        items = list(CatalogItem.objects.filter(region__in=communities).select_related("region"))
        items_by_c: dict[int, list[CatalogItem]] = {}
        for i in items:
            items_by_c.setdefault(i.region_id, []).append(i)
        planned = []  # (volunteer, item, entry index)
        for v in vols:
            for item in rng.sample(items_by_c.get(v.region_id, []), 2):
                if balance.get(v.user_id, 0) >= item.price and item.stock > 0 and rng.random() < 0.5:
                    at = now - dt.timedelta(days=rng.randint(0, 20))
                    credit(
                        v.user_id,
                        item.region,
                        -item.price,
                        "redemption",
                        item.pk,
                        f"兑换 {item.name} × 1",
                        v.user_id,
                        at,
                    )
                    item.stock -= 1
                    planned.append((v, item, len(entries) - 1, at))
        ctx.bulk_insert(PointEntry, entries)
        CatalogItem.objects.bulk_update(items, ["stock"], batch_size=2000)
        ids = list(
            PointEntry.objects.filter(region__in=communities, source_type="redemption")
            .order_by("id")
            .values_list("id", flat=True)
        )
        redemptions = [
            Redemption(
                item=item,
                account_id=v.user_id,
                quantity=1,
                points=item.price,
                entry_id=pk,
                created_at=at,
                state="delivered" if rng.random() < 0.7 else "redeemed",
                closed_at=at + dt.timedelta(hours=2),
                closed_by=staff[v.region_id],
            )
            for (v, item, _i, at), pk in zip(planned, ids, strict=True)
        ]
        for r in redemptions:
            if r.state == "redeemed":
                r.closed_at = r.closed_by = None
        ctx.bulk_insert(Redemption, redemptions)
        progress.advance(len(communities))
