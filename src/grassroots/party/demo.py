"""Demo step "party": members out of contact (组织找党员) and 组织关系转接 in each state.

Members out of contact: About 1.5% of the members work or live away
(流动党员, most reached in the last months, some not), 0.3% are lost (失联党员, a few found again), each
with a believable history of contact attempts, so the campaign page and ORG-11 show real figures.

Transfers: the one-step history of the core generator gets letter numbers (state accepted); then, per
street, members in transit to a branch of another street (some past the ORG-12 deadline), returned and
cancelled transfers, transfers to orgs outside the platform (in transit and closed on a receipt), and
letters from outside waiting for acceptance, so both sides' lists and ORG-12 show real data."""

from __future__ import annotations

import datetime as dt

from django.db import models

from .models import (
    ContactLog,
    ContactMethod,
    DuesPayment,
    Member,
    MemberContact,
    PartyOrg,
    Transfer,
    TransferKind,
    TransferState,
    Whereabouts,
)

PLACES = [
    "广东省深圳市",
    "广东省广州市",
    "上海市浦东新区",
    "江苏省苏州市",
    "浙江省杭州市",
    "北京市朝阳区",
    "天津市滨海新区",
    "四川省成都市",
    "海外（新加坡）",
]
REACHED_NOTES = ["电话联系上，本人在外务工，近况良好", "微信联系，已提醒按时交纳党费", "家属转告，本人已回电"]
MISSED_NOTES = ["电话无人接听", "上门走访，家中无人", "原手机号已停机"]


def generate(ctx) -> None:
    _contacts(ctx)
    _transfers(ctx)


def _contacts(ctx) -> None:
    rng, fake = ctx.rng("party_contact"), ctx.faker("party_contact")
    today = ctx.today
    members = list(Member.objects.order_by("id").values_list("id", "joined_on"))
    contacts, logs = [], []
    with ctx.progress("组织找党员", len(members)) as bar:
        for member_id, joined_on in members:
            roll = rng.random()
            if roll >= 0.018:
                continue
            lost = roll < 0.003
            earliest = max(joined_on, today - dt.timedelta(days=900))
            span = max((today - earliest).days - 30, 1)
            since = earliest + dt.timedelta(days=rng.randint(0, span))
            contact = MemberContact(
                member_id=member_id,
                status=Whereabouts.LOST if lost else Whereabouts.MOBILE,
                since=since,
                destination="" if lost else rng.choice(PLACES),
                contact_person="" if lost else fake.name(),
                contact_phone="" if lost else fake.phone_number(),
                note="原登记住址已搬离，联系方式失效" if lost else "外出务工",
            )
            # Attempts since they went away: a lost member is rarely reached; a mobile one mostly.
            day = since
            while True:
                day += dt.timedelta(days=rng.randint(25, 140))
                if day >= today:
                    break
                reached = rng.random() < (0.08 if lost else 0.7)
                logs.append(
                    ContactLog(
                        member_id=member_id,
                        contacted_on=day,
                        method=rng.choice(ContactMethod.values),
                        reached=reached,
                        note=rng.choice(REACHED_NOTES if reached else MISSED_NOTES),
                    )
                )
                if reached:
                    contact.last_contact_on = day
                    if lost:  # found again: back in touch, working away
                        contact.status, contact.destination = Whereabouts.MOBILE, rng.choice(PLACES)
                        contact.since, lost = day, False
            contacts.append(contact)
        bar.advance(len(members))
    ctx.bulk_insert(MemberContact, contacts)
    ctx.bulk_insert(ContactLog, logs)


def _aware(value: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(value)


OUTSIDE_ORGS = [
    ("中共深圳市南山区粤海街道工作委员会", "广东省深圳市南山区"),
    ("中共苏州工业园区湖西社区委员会", "江苏省苏州市工业园区"),
    ("中共成都市武侯区玉林街道工作委员会", "四川省成都市武侯区"),
    ("中共杭州市西湖区文新街道工作委员会", "浙江省杭州市西湖区"),
]
REASONS = ["工作调动", "居住地变更", "退休后回居住地", "毕业分配", "随迁家属"]
RETURN_REASONS = [
    "介绍信所填党费交纳情况与实际不符，请核实后重新开具",
    "该同志实际居住地不在本社区，请转往居住地党组织",
    "党员身份信息与档案不一致，请核对身份证号",
]


def _transfers(ctx) -> None:
    """组织关系转接 in every state, across streets (see the module docstring)."""
    from grassroots.core.crypto import lookup_hash
    from grassroots.regions.models import Region

    from . import transfers as tx

    rng, fake = ctx.rng("party_transfers"), ctx.faker("party_transfers")
    today = ctx.today
    params = tx.transfer_params()
    # Letter numbers for the history written by the core generator (one-step transfers, accepted).
    history = list(Transfer.objects.filter(letter_no__isnull=True).select_related("member").order_by("id"))
    for t in history:
        t.letter_no = f"LS{t.transferred_on.year}-{t.pk:06d}"
        t.issued_on = t.transferred_on
        t.person_name, t.person_gender, t.person_status = t.member.name, t.member.gender, t.member.status
        t.accepted_at = _aware(dt.datetime.combine(t.transferred_on, dt.time(10)))
    Transfer.objects.bulk_update(
        history,
        ["letter_no", "issued_on", "person_name", "person_gender", "person_status", "accepted_at"],
        500,
    )
    branches = list(
        PartyOrg.objects.filter(kind="branch", is_functional=False).select_related("region").order_by("path")
    )
    if len(branches) < 2:
        return
    streets = {r.path: r for r in Region.objects.filter(level="street")}

    def street_of(org):
        return next((p for p in streets if org.region.path.startswith(p)), "")

    by_street: dict[str, list] = {}
    for b in branches:
        by_street.setdefault(street_of(b), []).append(b)
    members = list(
        Member.objects.filter(party_org__in=branches, user__isnull=True)
        .exclude(transfers__isnull=False)
        .select_related("party_org__region")
        .order_by("id")
    )
    rng.shuffle(members)
    paid = dict(
        DuesPayment.objects.filter(member__in=members)
        .values("member")
        .annotate(m=models.Max("month"))
        .values_list("member", "m")
    )
    per_street = max(2, len(members) // (400 * max(len(by_street), 1)))
    plan = (
        [TransferState.ISSUED] * 3 * per_street
        + [TransferState.RETURNED] * per_street
        + [TransferState.CANCELLED] * max(1, per_street // 2)
        + ["out_open"] * max(1, per_street // 2)
        + ["out_closed"] * max(1, per_street // 2)
    )
    rows: list[Transfer] = []
    seq = {}
    used: set[int] = set()
    closed: list[int] = []

    def letter(on):
        seq[on.year] = seq.get(on.year, 0) + 1
        return f"{on.year}-{seq[on.year]:05d}"

    for k in Transfer.objects.filter(letter_no__regex=r"^\d{4}-\d{5}$").values_list("letter_no", flat=True):
        y, n = k.split("-")
        seq[int(y)] = max(seq.get(int(y), 0), int(n))
    pool = iter(members)
    for street_path in sorted(by_street):
        others = [b for p, bs in by_street.items() if p != street_path for b in bs] or branches
        for what in plan:
            m = next((x for x in pool if street_of(x.party_org) == street_path and x.pk not in used), None)
            if m is None:
                break
            used.add(m.pk)
            issued = today - dt.timedelta(
                days=rng.randint(2, 45) if what == TransferState.ISSUED else rng.randint(20, 200)
            )
            outside = what in ("out_open", "out_closed")
            name, address = rng.choice(OUTSIDE_ORGS)
            to = None if outside else rng.choice([b for b in others if b.pk != m.party_org_id])
            t = Transfer(
                kind=TransferKind.OUT if outside else TransferKind.INTERNAL,
                state=TransferState.ISSUED,
                letter_no=letter(issued),
                member=m,
                from_org=m.party_org,
                to_org=to,
                outside_org_name=name if outside else "",
                outside_org_address=address if outside else "",
                reason=rng.choice(REASONS),
                person_name=m.name,
                person_gender=m.gender,
                person_birth_date=m.birth_date,
                person_status=m.status,
                person_joined_on=m.joined_on,
                person_converted_on=m.converted_on,
                dues_paid_to=paid.get(m.pk),
                issued_on=issued,
                validity_days=params["letter_valid_days"],
                deadline=None if outside else issued + dt.timedelta(days=params["accept_days"]),
                created_at=_aware(dt.datetime.combine(issued, dt.time(9, 30))),
            )
            tx._arm_token(t)
            when = _aware(dt.datetime.combine(issued + dt.timedelta(days=rng.randint(2, 15)), dt.time(15)))
            if what == TransferState.RETURNED:
                t.state, t.returned_at, t.return_reason = what, when, rng.choice(RETURN_REASONS)
            elif what == TransferState.CANCELLED:
                t.state, t.cancelled_at, t.cancel_reason = what, when, "本人放弃调动"
            elif what == "out_closed":
                # Closed on a receipt: the member has left the platform; the letter keeps who it was.
                t.state, t.member = TransferState.CLOSED, None
                closed.append(m.pk)
                t.receipt_on = issued + dt.timedelta(days=rng.randint(10, 40))
                t.transferred_on, t.receipt_ref = t.receipt_on, f"{name[2:6]}回执第 {rng.randint(10, 99)} 号"
            rows.append(t)
        # Letters from outside registered by a branch of this street, waiting for acceptance.
        for _ in range(max(1, per_street // 2)):
            to = rng.choice(by_street[street_path])
            issued = today - dt.timedelta(days=rng.randint(1, 20))
            name, _addr = rng.choice(OUTSIDE_ORGS)
            birth = dt.date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
            number = fake.ssn(min_age=25, max_age=60)
            if Member.objects.filter(id_number_hash=lookup_hash(number)).exists():
                continue
            rows.append(
                Transfer(
                    kind=TransferKind.IN,
                    state=TransferState.ISSUED,
                    letter_no=letter(issued),
                    to_org=to,
                    outside_org_name=name,
                    outside_letter_no=f"组转字〔{issued.year}〕{rng.randint(10, 300)} 号",
                    reason=rng.choice(REASONS),
                    person_name=fake.name(),
                    person_gender=rng.choice(["male", "female"]),
                    person_birth_date=birth,
                    person_id_number=number,
                    person_status="full",
                    person_joined_on=dt.date(birth.year + rng.randint(20, 26), 7, 1),
                    person_converted_on=dt.date(birth.year + rng.randint(27, 28), 7, 1),
                    issued_on=issued,
                    deadline=today + dt.timedelta(days=params["accept_days"] - rng.randint(1, 25)),
                    created_at=_aware(dt.datetime.combine(issued, dt.time(11))),
                )
            )
    ctx.bulk_insert(Transfer, rows)
    # Closed outside-bound transfers: those members have left the platform (the letter keeps who it was).
    if closed:
        Member.objects.filter(pk__in=closed).delete()
