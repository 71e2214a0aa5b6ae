"""Writes of recruitment. Every function checks permission and scope (party.change over the
candidate's branch), validates before writing, runs in one transaction and is audited; a refusal is a
ServiceError with a Chinese message and changes nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core import services as core
from grassroots.core.attachments import attach, validate_files
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.scoping import covers
from grassroots.party import services as party
from grassroots.party.choices import MemberStatus, OrgKind
from grassroots.party.models import Member, PartyOrg

from . import rules
from .models import Candidate, StepRecord
from .steps import ACTIVE_STAGES, STEPS, Decision, Stage

__all__ = ["register_applicant", "record_step", "stop_candidate", "check_recruiting_org"]

MAX_DOCUMENTS = 9


def check_recruiting_org(org: PartyOrg) -> None:
    """Recruitment is the work of a 党支部; functional orgs recruit nobody (ORG-7)."""
    if org.is_functional:
        raise ServiceError(
            "功能型党组织不发展党员（ORG-7），请由党员组织关系所在的党支部发展", field="party_org"
        )
    if org.kind != OrgKind.BRANCH:
        raise ServiceError("发展党员由党支部负责，请选择党支部", field="party_org")


def _clean_text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def register_applicant(
    user,
    *,
    party_org: PartyOrg,
    name: str,
    gender: str,
    birth_date: datetime.date,
    id_number: str,
    applied_on: datetime.date,
    phone: str = "",
    education: str = "",
    occupation: str = "",
    note: str = "",
    documents=(),
) -> Candidate:
    """Step 1: a written application to the branch. Refused for a functional org (ORG-7), under the
    MEM-AGE age on the day of the application, for a person already a member or already in recruitment."""
    if party_org is None or not covers(user, party_org, "change"):
        raise NotFound("党支部不存在或不在您的管辖范围内")
    check_recruiting_org(party_org)
    p = rules.params()
    today = timezone.localdate()
    if applied_on is None:
        raise ServiceError("请填写递交入党申请书的日期", field="applied_on")
    if applied_on > today:
        raise ServiceError("申请日期不能晚于今天", field="applied_on")
    candidate = Candidate(
        party_org=party_org,
        name=_clean_text(name, 50),
        gender=gender,
        birth_date=birth_date,
        id_number=(id_number or "").strip().upper(),
        phone=(phone or "").strip(),
        education=education or "",
        occupation=_clean_text(occupation, 100),
        stage=Stage.APPLICANT,
    )
    core.full_clean(candidate, exclude=["stage"])
    if p["min_age"] and rules.age_on(birth_date, applied_on) < p["min_age"]:
        raise ServiceError(
            f"申请入党须年满 {p['min_age']} 周岁（MEM-AGE），"
            f"{candidate.name}递交申请时未满 {p['min_age']} 周岁",
            field="birth_date",
        )
    digest = lookup_hash(candidate.id_number)
    if Member.objects.filter(id_number_hash=digest).exists():
        raise ServiceError("该身份证号已登记为党员，不需要发展", field="id_number")
    if Candidate.objects.filter(id_number_hash=digest, stage__in=ACTIVE_STAGES).exists():
        raise ServiceError("该身份证号已在发展党员程序中", field="id_number")
    prepared = (
        validate_files(documents, max_files=MAX_DOCUMENTS, images_only=False, user=user) if documents else []
    )
    with transaction.atomic():
        candidate.last_step, candidate.last_on = 1, applied_on
        candidate.dates = {"1": applied_on.isoformat()}
        candidate.save()
        audit.record_create(user, candidate)
        record = StepRecord.objects.create(
            candidate=candidate,
            step=1,
            on=applied_on,
            actor=candidate.name,
            note=_clean_text(note, 500),
            recorded_by=user,
        )
        audit.record_create(user, record)
        if prepared:
            attach(user, record, prepared, role="document", max_files=MAX_DOCUMENTS, images_only=False)
    return candidate


def _people(user, candidate: Candidate, people, label: str) -> list[Member]:
    people = [m for m in (people or []) if m is not None]
    if len(people) != 2 or people[0].pk == people[1].pk:
        raise ServiceError(f"请指定两名不同的正式党员作{label}", field="people")
    for m in people:
        if not covers(user, m, "view"):
            raise NotFound(f"{label}不存在或不在您的管辖范围内")
        if m.status != MemberStatus.FULL:
            raise ServiceError(f"{label}须为正式党员，{m.name}是预备党员", field="people")
    return people


def record_step(
    user,
    candidate: Candidate,
    step: int,
    on: datetime.date,
    *,
    actor: str = "",
    note: str = "",
    hours: int | None = None,
    people=(),
    decision: str = "",
    extend_until: datetime.date | None = None,
    documents=(),
) -> StepRecord:
    """Record step `step` of the candidate's file on day `on`. Refused (Chinese reason, nothing changed)
    when out of order, too early (REC-*/ORG-8 minimum intervals), for a functional org (ORG-7), or when
    the step's own data is missing. Steps 17 (approval: the Member is created, probationary, joined on
    the day of step 15), 24 (the decision of step 23 applied through party's ORG-8 services) have
    side effects in the same transaction."""
    core.require_in_scope(user, candidate, "change")
    candidate = Candidate.objects.select_related("party_org", "member").get(pk=candidate.pk)
    if on is None:
        raise ServiceError("请填写步骤日期", field="on")
    try:
        step = int(step)
    except (TypeError, ValueError):
        raise ServiceError("请选择步骤", field="step") from None
    check_recruiting_org(candidate.party_org)
    p = rules.params()
    why = rules.refusal(candidate, step, on, p, today=timezone.localdate())
    if why:
        raise ServiceError(why, field="on" if step in candidate.next_steps else "step")
    info = STEPS[step]
    actor = _clean_text(actor, 100) or info.actor
    note = _clean_text(note, 500)
    chosen: list[Member] = []
    if info.people:
        chosen = _people(
            user, candidate, people, "培养联系人" if info.people == "cultivators" else "入党介绍人"
        )
    if step == 11:
        if hours is None or hours < p["min_hours"]:
            raise ServiceError(
                f"REC-3：集中培训一般不少于 3 天或 {p['min_hours']} 个学时，"
                f"请填写实际学时（不少于 {p['min_hours']}）",
                field="hours",
            )
    else:
        hours = None
    if step == 23:
        why = rules.decision_refusal(candidate, decision, extend_until, p)
        if why:
            raise ServiceError(why, field="decision")
        if decision != Decision.EXTEND:
            extend_until = None
        if decision != Decision.CONVERT and not note:
            raise ServiceError("延长预备期或取消预备党员资格须在情况说明中写明原因", field="note")
    else:
        decision, extend_until = "", None
    prepared = (
        validate_files(documents, max_files=MAX_DOCUMENTS, images_only=False, user=user) if documents else []
    )
    before = audit.snapshot(candidate)
    with transaction.atomic():
        record = StepRecord.objects.create(
            candidate=candidate,
            step=step,
            on=on,
            actor=actor,
            note=note,
            hours=hours,
            decision=decision,
            people="、".join(m.name for m in chosen),
            recorded_by=user,
        )
        audit.record_create(user, record)
        if prepared:
            attach(user, record, prepared, role="document", max_files=MAX_DOCUMENTS, images_only=False)
        _apply(user, candidate, step, on, record, chosen, decision, extend_until, note)
        candidate.last_step, candidate.last_on = step, on
        candidate.dates = {**(candidate.dates or {}), str(step): on.isoformat()}
        candidate.save()
        audit.record_update(user, candidate, before)
    return record


def _apply(user, c: Candidate, step: int, on, record, chosen, decision, extend_until, note) -> None:
    info = STEPS[step]
    if info.stage_after:
        c.stage = info.stage_after
    if step == 3:
        c.reviews = 0
    elif step == 6:
        c.reviews += 1
    elif step == 5:
        c.cultivators.set(chosen)
    elif step == 9:
        c.introducers.set(chosen)
    elif step == 17:
        meeting = c.step_date(15)
        member = party.add_member(
            user,
            name=c.name,
            gender=c.gender,
            birth_date=c.birth_date,
            id_number=c.id_number,
            phone=c.phone,
            party_org=c.party_org,
            status=MemberStatus.PROBATIONARY,
            joined_on=meeting,
        )
        c.member = member
    elif step == 23:
        c.decision, c.extend_until = decision, extend_until
    elif step == 24:
        _apply_decision(user, c, on, note)


def _apply_decision(user, c: Candidate, on, note: str) -> None:
    member = c.member
    if member is None:
        raise ServiceError("该预备党员的党员档案已不存在，无法审批")
    member = Member.objects.get(pk=member.pk)
    if c.decision == Decision.CONVERT:
        # 转正时间自预备期满之日算起 (《发展党员工作细则》第三十三条).
        party.convert_member(user, member, on=party.probation_end(member))
        c.stage = Stage.FULL
    elif c.decision == Decision.EXTEND:
        reason = (
            c.records.filter(step=23).order_by("-on", "-id").values_list("note", flat=True).first()
        ) or ""
        party.extend_probation(user, member, until=c.extend_until, reason=reason or "支部大会决定延长预备期")
    elif c.decision == Decision.DISQUALIFY:
        core.delete_object(user, member)
        c.member = None
        c.stage = Stage.DISQUALIFIED
    else:
        raise ServiceError("支部大会尚未作出决定")


def stop_candidate(user, candidate: Candidate, *, on: datetime.date, reason: str) -> Candidate:
    """终止发展: an applicant, activist or prospect the branch stops recruiting (with the reason). A
    probationary member leaves only through the decision of steps 23–24."""
    core.require_in_scope(user, candidate, "change")
    candidate = Candidate.objects.get(pk=candidate.pk)
    if candidate.stage not in (Stage.APPLICANT, Stage.ACTIVIST, Stage.PROSPECT) or candidate.last_step >= 17:
        raise ServiceError(f"{candidate.get_stage_display()}不能终止发展（预备党员须经支部大会讨论）")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError("请填写终止发展的原因", field="reason")
    if on is None or on > timezone.localdate():
        raise ServiceError("日期不能为空或晚于今天", field="on")
    if candidate.last_on and on < candidate.last_on:
        raise ServiceError(f"日期不能早于最近一个步骤（{candidate.last_on:%Y-%m-%d}）", field="on")
    before = audit.snapshot(candidate)
    with transaction.atomic():
        candidate.stage = Stage.STOPPED
        candidate.stopped_reason = reason[:200]
        candidate.save()
        audit.record_update(user, candidate, before)
    return candidate
