"""Demo step `recruitment` (`generate(ctx)`): recruitment files in many branches, at every one of the
25 steps, most on time and some overdue (talk not held within a month, a half-yearly review missed,
approval not given within three months of the branch meeting, a conversion not discussed after the
probation), a few stopped. Candidates admitted (step 17 and later) have their Member rows, joined on
the day of the branch general meeting, probationary or (after step 24) full.

Dates are laid out backwards from today following the rules' defaults (REC-1…REC-6, ORG-8), so every
file is one the services would have accepted step by step.
"""

from __future__ import annotations

import datetime

from grassroots.core.crypto import lookup_hash
from grassroots.core.text import initials
from grassroots.demo import names
from grassroots.party.choices import OrgKind
from grassroots.party.models import Member, PartyOrg

from .models import Candidate, Education, StepRecord
from .steps import STEPS, Stage

D = datetime.timedelta
BRANCH_SHARE = 0.45  # branches with recruitment under way
MAX_CANDIDATES = 900
NOTES = {
    2: "了解入党动机和本人基本情况，介绍党的基本知识",
    3: "经党员推荐、支委会研究，确定为入党积极分子",
    6: "政治学习积极，工作表现良好，群众评价较好",
    7: "听取党小组、培养联系人、党员和群众意见，支委会研究确定为发展对象",
    10: "政治审查合格",
    12: "支委会审查合格，在社区公示栏公示",
    15: "应到会有表决权党员过半数赞成，通过接收为预备党员",
    20: "在党旗下庄严宣誓",
    21: "预备期表现良好",
    23: "到会有表决权党员过半数赞成，同意按期转正",
}


def _offsets(rng) -> dict[int, int]:
    """Days after the application (step 1) of every step, following the default rules."""
    o = {1: 0}
    o[2] = rng.randint(7, 25)
    o[3] = o[2] + rng.randint(30, 120)
    o[4] = o[3] + rng.randint(3, 10)
    o[5] = o[4] + rng.randint(0, 7)
    o[6] = o[3] + rng.randint(170, 182)  # first half-yearly review (the second is recorded too)
    o[7] = max(o[3] + 365 + rng.randint(0, 60), o[6] + 182)
    o[8] = o[7] + rng.randint(3, 10)
    o[9] = o[8] + rng.randint(3, 10)
    o[10] = o[9] + rng.randint(10, 30)
    o[11] = o[10] + rng.randint(5, 20)
    o[12] = o[11] + rng.randint(5, 15)
    o[13] = o[12] + rng.randint(9, 15)  # after 公示 of 5 working days
    o[14] = o[13] + rng.randint(3, 10)
    o[15] = o[14] + rng.randint(5, 15)
    o[16] = o[15] + rng.randint(10, 30)
    o[17] = o[16] + rng.randint(5, 40)
    o[18] = o[17] + rng.randint(3, 10)
    o[19] = o[18] + rng.randint(1, 5)
    o[20] = o[19] + rng.randint(0, 20)
    o[21] = o[20] + rng.randint(120, 170)
    end = o[15] + 365
    o[22] = end - rng.randint(1, 20)
    o[23] = end + rng.randint(0, 20)
    o[24] = o[23] + rng.randint(10, 40)
    o[25] = o[24] + rng.randint(5, 20)
    return o


# For an overdue file: how long after its last step it has been waiting (beyond the deadline).
OVERDUE_WAIT = {1: (40, 90), 5: (200, 260), 6: (200, 240), 15: (100, 130), 16: (95, 120)}
WAIT = {1: (0, 20), 5: (0, 150), 6: (0, 150), 15: (0, 60), 16: (0, 50)}


def generate(ctx) -> None:
    rng = ctx.rng("recruitment")
    today = ctx.today
    branches = list(
        PartyOrg.objects.filter(kind=OrgKind.BRANCH, is_functional=False).values("id", "region__code")
    )
    if not branches:
        return
    fulls: dict[int, list[int]] = {}
    for pk, org in Member.objects.filter(status="full").values_list("id", "party_org_id").order_by("id"):
        fulls.setdefault(org, []).append(pk)
    used = set(Member.objects.values_list("id_number_hash", flat=True))
    chosen = [b for b in branches if rng.random() < BRANCH_SHARE and len(fulls.get(b["id"], [])) >= 2]
    plans = []
    for b in chosen:
        for _ in range(rng.randint(1, 4)):
            plans.append(b)
    plans = plans[:MAX_CANDIDATES]
    candidates, members, steps_by_candidate = [], [], []
    for i, b in enumerate(plans):
        # Every step is someone's last: cycle through 1..25 so each stage and step is represented.
        last = i % 25 + 1
        overdue = last in OVERDUE_WAIT and rng.random() < 0.3
        stopped = last < 15 and not overdue and rng.random() < 0.06
        o = _offsets(rng)
        if last in (22, 23):  # waiting for the probation's end: the last step lies before it
            wait = rng.randint(0, 10) if last == 22 else rng.randint(0, 5)
        elif last in (19, 20, 21):
            wait = rng.randint(0, 60)
        else:
            lo, hi = (OVERDUE_WAIT if overdue else WAIT).get(last, (0, 25))
            wait = rng.randint(lo, hi)
        if last == 21 and rng.random() < 0.3:  # probation over, conversion not yet discussed (ORG-8)
            wait = o[22] - o[21] + rng.randint(5, 40)
        start = today - D(days=o[last] + wait)
        dates = {n: start + D(days=o[n]) for n in range(1, last + 1)}
        male = rng.random() < 0.45
        name, gender = names.person_name(rng, male), ("male" if male else "female")
        birth = start - D(days=rng.randint(19 * 365, 45 * 365))
        area = (b["region__code"] or "370202")[:6]
        while True:
            first17 = f"{area}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
            id_number = first17 + names.id_check_digit(first17)
            if lookup_hash(id_number) not in used:
                used.add(lookup_hash(id_number))
                break
        phone = names.phone(rng)
        stage = (
            Stage.STOPPED
            if stopped
            else Stage.FULL
            if last >= 24
            else Stage.PROBATIONARY
            if last >= 17
            else Stage.PROSPECT
            if last >= 7
            else Stage.ACTIVIST
            if last >= 3
            else Stage.APPLICANT
        )
        member = None
        if last >= 17:
            member = Member(
                name=name,
                name_initials=initials(name),
                gender=gender,
                birth_date=birth,
                id_number=id_number,
                id_number_hash=lookup_hash(id_number),
                phone=phone,
                party_org_id=b["id"],
                status="full" if last >= 24 else "probationary",
                joined_on=dates[15],
                converted_on=dates[15] + D(days=365) if last >= 24 else None,
            )
            members.append(member)
        reviews = 0 if last < 6 else 2 if last >= 7 else 1
        if reviews == 2:  # the second half-yearly review, before the determination as prospect
            dates[6] = dates[6] + D(days=182)
        c = Candidate(
            name=name,
            name_initials=initials(name),
            gender=gender,
            birth_date=birth,
            id_number=id_number,
            id_number_hash=lookup_hash(id_number),
            phone=phone,
            education=rng.choice(Education.values),
            occupation=rng.choice(
                ["社区工作者", "企业职工", "教师", "个体经营者", "医务人员", "大学生", "退役军人"]
            ),
            party_org_id=b["id"],
            stage=stage,
            last_step=last,
            last_on=dates[last],
            dates={str(n): d.isoformat() for n, d in dates.items()},
            reviews=reviews,
            decision="convert" if last >= 23 else "",
            stopped_reason="本人申请撤回入党申请" if stopped else "",
        )
        c._member = member
        c._people = rng.sample(fulls[b["id"]], 2)
        candidates.append(c)
        steps_by_candidate.append((dates, reviews, last))
    ctx.bulk_insert(Member, members)
    by_hash = dict(
        Member.objects.filter(id_number_hash__in=[m.id_number_hash for m in members]).values_list(
            "id_number_hash", "id"
        )
    )
    for c in candidates:
        if c._member is not None:
            c.member_id = by_hash[c._member.id_number_hash]
    Candidate.objects.bulk_create(candidates, batch_size=ctx.batch_size)  # ids are needed for the log
    if not all(c.pk for c in candidates):
        ids = dict(
            Candidate.objects.filter(id_number_hash__in=[c.id_number_hash for c in candidates]).values_list(
                "id_number_hash", "id"
            )
        )
        for c in candidates:
            c.pk = c.id = ids[c.id_number_hash]
    records = []
    cult = Candidate.cultivators.through
    intro = Candidate.introducers.through
    links_c, links_i = [], []
    for c, (dates, reviews, last) in zip(candidates, steps_by_candidate, strict=True):
        for n, on in sorted(dates.items()):
            info = STEPS[n]
            for day in [on - D(days=182), on] if n == 6 and reviews == 2 else [on]:
                records.append(
                    StepRecord(
                        candidate_id=c.pk,
                        step=n,
                        on=day,
                        actor=c.name if n in (1, 14, 22) else info.actor,
                        note=NOTES.get(n, ""),
                        hours=rng.choice([24, 28, 32]) if n == 11 else None,
                        decision="convert" if n == 23 else "",
                    )
                )
        if last >= 5:
            links_c += [cult(candidate_id=c.pk, member_id=m) for m in c._people]
        if last >= 9:
            links_i += [intro(candidate_id=c.pk, member_id=m) for m in c._people]
    ctx.bulk_insert(StepRecord, records)
    ctx.bulk_insert(cult, links_c)
    ctx.bulk_insert(intro, links_i)
