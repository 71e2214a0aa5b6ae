"""Demo step "party": members out of contact (组织找党员). About 1.5% of the members work or live away
(流动党员, most reached in the last months, some not), 0.3% are lost (失联党员, a few found again), each
with a believable history of contact attempts, so the campaign page and ORG-11 show real figures."""

from __future__ import annotations

import datetime as dt

from .models import ContactLog, ContactMethod, Member, MemberContact, Whereabouts

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
