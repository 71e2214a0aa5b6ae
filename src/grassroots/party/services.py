"""Writes on party organisations and members. Every function checks scope, validates and audits."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core import services as core
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.scoping import covers
from grassroots.core.trees import add_node, delete_leaf, move_node

from .choices import MemberStatus
from .models import ContactLog, ContactMethod, Member, MemberContact, PartyOrg, Seat, Transfer, Whereabouts

__all__ = [
    "add_org",
    "update_org",
    "move_org",
    "delete_org",
    "add_member",
    "update_member",
    "transfer_member",
    "convert_member",
    "extend_probation",
    "probation_end",
    "add_seat",
    "remove_seat",
    "set_contact_status",
    "log_contact",
]

# The organisation fields an edit may change, in the order the form shows them (after the code).
ORG_FIELDS = (
    "name",
    "short_name",
    "kind",
    "is_regional",
    "is_joint",
    "is_functional",
    "region",
    "unit",
    "secretary",
    "secretary_name",
    "committee_size",
    "established_on",
    "term_start",
    "term_end",
)
ORG_EDITABLE = set(ORG_FIELDS)
MEMBER_EDITABLE = {
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "joined_on",
    "in_service",
    "workplace_unit",
    "residence",
    "room",
    "is_household_hub",
}


def _check_refs(user, **refs) -> None:
    """Referenced regions/units/orgs must be visible to the user: no linking to other scopes."""
    for label, obj in refs.items():
        if obj is not None and not covers(user, obj, "view"):
            raise NotFound(f"{label}不存在或不在您的管辖范围内")


def add_org(user, parent: PartyOrg | None, **data) -> PartyOrg:
    if data.get("unit") is not None and data.get("region") is None:
        data["region"] = data["unit"].region
    _check_refs(user, 所在区划=data.get("region"), 所在单位=data.get("unit"))
    return add_node(user, PartyOrg, parent, data)


def update_org(user, org: PartyOrg, **changes) -> PartyOrg:
    unknown = set(changes) - ORG_EDITABLE
    if unknown:
        raise ServiceError(f"不能修改字段：{'、'.join(sorted(unknown))}")
    _check_refs(user, 所在区划=changes.get("region"), 所在单位=changes.get("unit"))
    secretary = changes.get("secretary")
    if secretary is not None:
        if secretary.party_org_id != org.pk:
            raise ServiceError("书记必须是本组织的党员", field="secretary")
        changes.setdefault("secretary_name", secretary.name)
    if changes.get("is_functional") and not org.is_functional and org.members.exists():
        raise ServiceError("该组织已有党员组织关系，不能改为功能型党组织（ORG-7）", field="is_functional")
    return core.update_object(user, org, changes)


def move_org(user, org: PartyOrg, new_parent: PartyOrg) -> PartyOrg:
    return move_node(user, org, new_parent)


def delete_org(user, org: PartyOrg) -> None:
    if org.members.exists():
        raise ServiceError("该组织还有党员，请先转出后再删除")
    delete_leaf(user, org)


def add_member(user, **data) -> Member:
    _check_refs(user, 所在党组织=data.get("party_org"))
    member = Member(**data)
    _check_unique_id(member)
    return core.create_object(user, member)


def _check_unique_id(member: Member, exclude_pk=None) -> None:
    from grassroots.core.crypto import lookup_hash

    qs = Member.objects.filter(id_number_hash=lookup_hash((member.id_number or "").upper()))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        # Say it exists without saying where: the other record may be outside the user's scope.
        raise ServiceError("该身份证号已登记为党员，如需转入请办理组织关系转接", field="id_number")


def update_member(user, member: Member, **changes) -> Member:
    unknown = set(changes) - MEMBER_EDITABLE
    if unknown:
        raise ServiceError(f"不能修改字段：{'、'.join(sorted(unknown))}（组织关系变更请办理转接）")
    if "id_number" in changes:
        probe = Member(id_number=changes["id_number"])
        _check_unique_id(probe, exclude_pk=member.pk)
    return core.update_object(user, member, changes)


def transfer_member(
    user, member: Member, to_org: PartyOrg, *, on: datetime.date | None = None, reason: str = ""
) -> Transfer:
    """Issue a transfer of the membership to another org on the platform (the two-sided flow of
    party.transfers: the member is in transit until the receiving org accepts)."""
    from .transfers import issue_transfer

    return issue_transfer(user, member, to_org=to_org, on=on, reason=reason)


def probation_params() -> dict:
    """ORG-8's parameters: probation_days (default 365), min/max_extension_days (180 / 365)."""
    from grassroots.core.rules import Rule

    out = {"probation_days": 365, "min_extension_days": 180, "max_extension_days": 365}
    rule = Rule.objects.filter(code="ORG-8").only("params").first()
    for key, value in ((rule.params or {}) if rule else {}).items():
        if key in out and isinstance(value, int) and not isinstance(value, bool) and value > 0:
            out[key] = value
    return out


def probation_end(member: Member, params: dict | None = None) -> datetime.date:
    """The day the member's probation ends: the extension date if extended, else joined_on plus the
    probation period (ORG-8)."""
    if member.probation_extended_to:
        return member.probation_extended_to
    days = (params or probation_params())["probation_days"]
    return member.joined_on + datetime.timedelta(days=days)


def convert_member(user, member: Member, *, on: datetime.date) -> Member:
    """Probationary → full member (ORG-8), recorded as a workflow transition. Refused before the
    probation (ORG-8 probation_days, or the extension) has ended (《发展党员工作细则》第三十条)."""
    core.require_in_scope(user, member, "change")
    if member.status != MemberStatus.PROBATIONARY:
        raise ServiceError("只有预备党员可以办理转正")
    if on < member.joined_on:
        raise ServiceError("转正日期不能早于入党日期", field="on")
    end = probation_end(member)
    if on < end:
        if member.probation_extended_to:
            why = f"预备期已延长至 {end:%Y-%m-%d}"
        else:
            why = (
                f"{member.joined_on:%Y-%m-%d} 成为预备党员，预备期 {probation_params()['probation_days']} 天"
            )
        raise ServiceError(f"预备期未满，不能转正：{why}，最早可于 {end:%Y-%m-%d} 转正", field="on")
    with transaction.atomic():
        member.status = MemberStatus.FULL
        member.converted_on = on
        member.save(update_fields=["status", "converted_on"])
        audit.record_transition(user, member, MemberStatus.PROBATIONARY, MemberStatus.FULL, converted_on=on)
    return member


def extend_probation(user, member: Member, *, until: datetime.date, reason: str) -> Member:
    """延长预备期 (ORG-8; 《发展党员工作细则》第三十一条): decided by the branch when the probation ends;
    the extension is at least min_extension_days and at most max_extension_days after the original end,
    once, with a reason. Audited as an update of the member."""
    core.require_in_scope(user, member, "change")
    if member.status != MemberStatus.PROBATIONARY:
        raise ServiceError("只有预备党员可以延长预备期")
    if member.probation_extended_to:
        raise ServiceError(
            f"预备期已延长至 {member.probation_extended_to:%Y-%m-%d}，不能再次延长", status=409
        )
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写延长预备期的原因", field="reason")
    if len(reason) > 200:
        raise ServiceError("原因不能超过 200 字", field="reason")
    params = probation_params()
    base = probation_end(member, params)
    earliest = base + datetime.timedelta(days=params["min_extension_days"])
    latest = base + datetime.timedelta(days=params["max_extension_days"])
    if not earliest <= until <= latest:
        raise ServiceError(
            f"预备期原定 {base:%Y-%m-%d} 期满，延长期限应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间"
            f"（延长不少于 {params['min_extension_days']} 天、不超过 {params['max_extension_days']} 天）",
            field="until",
        )
    before = audit.snapshot(member)
    with transaction.atomic():
        member.probation_extended_to = until
        member.probation_extension_reason = reason
        member.save(update_fields=["probation_extended_to", "probation_extension_reason"])
        audit.record_update(user, member, before)
    return member


def add_seat(user, org: PartyOrg, **data) -> Seat:
    _check_refs(user, 来自单位=data.get("unit"))
    return core.create_object(user, Seat(org=org, **data))


def remove_seat(user, seat: Seat) -> None:
    core.delete_object(user, seat)


# ------------------------------------------------------------------------- members out of contact
def _past_date(value, label: str, field: str) -> datetime.date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise ServiceError(f"{label}不能晚于今天", field=field)
    return value


def set_contact_status(
    user,
    member: Member,
    *,
    status: str,
    since: datetime.date | None = None,
    destination: str = "",
    contact_person: str = "",
    contact_phone: str = "",
    note: str = "",
) -> MemberContact:
    """Record a member as 正常联系, 流动党员 (where they went; who keeps in touch) or 失联党员 (since when).
    Needs party.change over the member's org; audited."""
    core.require_in_scope(user, member, "change")
    if status not in Whereabouts.values:
        raise ServiceError("请选择联系状态", field="status")
    since = _past_date(since, "起始日期", "since")
    destination, contact_person = (destination or "").strip(), (contact_person or "").strip()
    if status == Whereabouts.MOBILE and not destination:
        raise ServiceError("流动党员须填写流入地或去向", field="destination")
    if status == Whereabouts.LOST and since is None:
        raise ServiceError("失联党员须填写失去联系的日期", field="since")
    if status != Whereabouts.NORMAL and since is not None and since < member.joined_on:
        raise ServiceError("起始日期不能早于入党日期", field="since")
    contact = MemberContact.objects.filter(member=member).first()
    creating = contact is None
    if creating:
        contact = MemberContact(member=member)
    before = None if creating else audit.snapshot(contact)
    contact.status = status
    contact.since = since if status != Whereabouts.NORMAL else None
    contact.destination = destination[:100]
    contact.contact_person = contact_person[:50]
    if contact_phone or status == Whereabouts.NORMAL:
        contact.contact_phone = (contact_phone or "").strip()
    contact.note = (note or "").strip()[:200]
    contact.updated_at = timezone.now()
    core.full_clean(contact)
    with transaction.atomic():
        contact.save()
        if creating:
            audit.record_create(user, contact)
        else:
            audit.record_update(user, contact, before)
    return contact


def log_contact(
    user,
    member: Member,
    *,
    contacted_on: datetime.date,
    method: str,
    reached: bool,
    note: str,
    found_status: str = "",
) -> ContactLog:
    """Record an attempt to reach a member. When the member was reached, their last contact moves to
    that day and, for a 失联党员, the branch says what they are now (正常联系 or 流动党员)."""
    core.require_in_scope(user, member, "change")
    if contacted_on is None:
        raise ServiceError("请填写联系日期", field="contacted_on")
    contacted_on = _past_date(contacted_on, "联系日期", "contacted_on")
    if method not in ContactMethod.values:
        raise ServiceError("请选择联系方式", field="method")
    note = (note or "").strip()
    if len(note) < 2:
        raise ServiceError("请填写联系情况", field="note")
    contact = MemberContact.objects.filter(member=member).first()
    if found_status and found_status not in (Whereabouts.NORMAL, Whereabouts.MOBILE):
        raise ServiceError("联系上后的状态只能是正常联系或流动党员", field="found_status")
    if reached and contact is not None and contact.status == Whereabouts.LOST and not found_status:
        raise ServiceError("已联系上失联党员，请选择其现在的联系状态", field="found_status")
    if found_status == Whereabouts.MOBILE and not (contact and contact.destination):
        raise ServiceError("转为流动党员前请先在联系状态中填写流入地", field="found_status")
    with transaction.atomic():
        entry = ContactLog.objects.create(
            member=member,
            contacted_on=contacted_on,
            method=method,
            reached=bool(reached),
            note=note[:300],
            recorded_by=user,
        )
        audit.record_create(user, entry)
        if reached:
            if contact is None:
                contact = MemberContact.objects.create(member=member, last_contact_on=contacted_on)
                audit.record_create(user, contact)
            else:
                before = audit.snapshot(contact)
                if contact.last_contact_on is None or contacted_on > contact.last_contact_on:
                    contact.last_contact_on = contacted_on
                if contact.status == Whereabouts.LOST:
                    contact.status = found_status
                    contact.since = contacted_on if found_status == Whereabouts.MOBILE else None
                contact.updated_at = timezone.now()
                contact.save()
                audit.record_update(user, contact, before)
    return entry
