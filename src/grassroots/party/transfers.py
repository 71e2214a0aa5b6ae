"""组织关系转接 with two sides (ORG-7, ORG-12).

State machine of a Transfer:

    issued (转接中, the member is in transit) ──accept (receiver)──────────▶ accepted
                        │  ├──return with a reason (receiver)──────────▶ returned
                        │  ├──cancel (sender, before acceptance)───────▶ cancelled
                        │  └──receipt recorded (sender, outside-bound)─▶ closed

Until acceptance the member stays in the sending org (party_org unchanged, dues recorded there); the
membership moves on acceptance. A transfer to an org outside the platform closes when the sender records
the receipt (回执); the member then leaves the platform. A transfer from outside is registered by the
receiving org from the incoming letter and creates the Member on acceptance. Every step is scope-checked
(the sending side acts through party.change over the sending org, the receiving side over the receiving
org), atomic, audited, and notified to the other side.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterator

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from grassroots.core import audit
from grassroots.core import services as core
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers

from .choices import Gender, MemberStatus, OrgKind
from .models import DuesPayment, Member, PartyOrg, Transfer, TransferKind, TransferState

RULE = "ORG-12"
DEFAULTS = {"accept_days": 30, "letter_valid_days": 90}
SENDER, RECEIVER = "sender", "receiver"


# ------------------------------------------------------------------------------------------ rule data
def transfer_params() -> dict:
    """ORG-12's parameters from the Rule table: accept_days (the receiving side's deadline) and
    letter_valid_days (the letter's validity); the defaults of RULES.md when a city removed the rule."""
    from grassroots.core.rules import Rule

    out = dict(DEFAULTS)
    rule = Rule.objects.filter(code=RULE).only("params").first()
    for key, value in ((rule.params or {}) if rule else {}).items():
        if key in out and isinstance(value, int) and not isinstance(value, bool) and value > 0:
            out[key] = value
    return out


# ------------------------------------------------------------------------------------------ sides
def sides(user, t: Transfer, action: str = "change") -> set[str]:
    """Which sides of the transfer the user acts for: party.<action> over the sending org and/or the
    receiving org (an org outside the platform has nobody acting for it here)."""
    out = set()
    if t.from_org_id and covers(user, t.from_org, action):
        out.add(SENDER)
    if t.to_org_id and covers(user, t.to_org, action):
        out.add(RECEIVER)
    return out


def allowed_actions(user, t: Transfer) -> list[str]:
    """The actions the detail page offers this viewer: accept/return (receiving side), cancel and
    receipt (sending side), letter (the sender prints the letter it issued)."""
    out = []
    if t.is_open:
        mine = sides(user, t)
        if RECEIVER in mine:
            out += ["accept", "return"]
        if SENDER in mine:
            out += ["receipt", "cancel"] if t.kind == TransferKind.OUT else ["cancel"]
    if t.kind != TransferKind.IN and t.token_hash and SENDER in sides(user, t, "view"):
        out.append("letter")
    return out


def _require_side(user, t: Transfer, side: str) -> None:
    """403 when the user sees the transfer but does not act for this side; 404 when it is not visible."""
    if side in sides(user, t):
        return
    if Transfer.objects.visible_to(user).filter(pk=t.pk).exists():
        label = "转入（接收）党组织" if side == RECEIVER else "转出党组织"
        raise ServiceError(f"只有{label}可以办理此操作", status=403)
    raise NotFound("转接记录不存在或无权访问")


def _require_open(t: Transfer) -> None:
    if t.state != TransferState.ISSUED:
        raise ServiceError(f"该转接已{t.get_state_display().removeprefix('已')}，不能再办理", status=409)


def _check_target(org: PartyOrg, label: str, field: str) -> None:
    if org.is_functional:
        raise ServiceError("功能型党组织不办理组织关系转接（ORG-7）", field=field)
    if org.kind == OrgKind.GROUP:
        raise ServiceError(f"组织关系不能{label}党小组，请选择党支部", field=field)


def _text(value: str, label: str, field: str, *, min_len: int = 0, max_len: int = 200) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise ServiceError(f"请填写{label}", field=field)
    if len(value) > max_len:
        raise ServiceError(f"{label}不能超过 {max_len} 字", field=field)
    return value


# ------------------------------------------------------------------------------------------ letter
def _new_letter_no(on: datetime.date) -> str:
    prefix = f"{on.year}-"
    last = (
        Transfer.objects.filter(letter_no__startswith=prefix, letter_no__regex=r"^\d{4}-\d{5}$")
        .aggregate(m=Max("letter_no"))
        .get("m")
    )
    seq = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def letter_token(t: Transfer) -> str:
    """The verification token printed in the letter's QR code: an HMAC of the row's random nonce, so a
    reprint shows the same code and the database holds only its hash."""
    return salted_hmac("grassroots.party.transfer-letter", t.token_nonce).hexdigest()[:32]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _arm_token(t: Transfer) -> None:
    t.token_nonce = secrets.token_hex(16)
    t.token_hash = token_hash(letter_token(t))


def verify_url(t: Transfer) -> str:
    return reverse("party:transfer_verify", args=[letter_token(t)])


def by_token(token: str) -> Transfer | None:
    """The transfer whose letter carries this token (no scope: the public verification page)."""
    if not token or len(token) > 64:
        return None
    return Transfer.objects.select_related("from_org").filter(token_hash=token_hash(token)).first()


def letter_valid(t: Transfer, today: datetime.date | None = None) -> bool:
    """A letter is valid while its transfer is in transit and within its validity days."""
    today = today or timezone.localdate()
    return t.state == TransferState.ISSUED and (t.valid_until is None or today <= t.valid_until)


def dues_paid_to(member: Member) -> datetime.date | None:
    return DuesPayment.objects.filter(member=member).aggregate(m=Max("month"))["m"]


# ------------------------------------------------------------------------------------------ people
def org_managers(org: PartyOrg) -> list:
    """Users who act for the org: party.change granted on the org or its region, at the nearest level
    (a branch's own administrators before the street's, the street's before the district's)."""
    from grassroots.accounts.models import RoleAssignment
    from grassroots.regions.models import Region

    org_paths = [org.path[:i] for i in range(PartyOrg.steplen, len(org.path) + 1, PartyOrg.steplen)]
    region_path = org.region.path
    region_paths = [region_path[:i] for i in range(Region.steplen, len(region_path) + 1, Region.steplen)]
    rows = (
        RoleAssignment.objects.filter(Q(party_org__path__in=org_paths) | Q(region__path__in=region_paths))
        .select_related("role", "user", "party_org", "region")
        .filter(user__is_active=True)
    )
    best: dict[str, tuple[int, list]] = {}
    for a in rows:
        if "party.change" not in (a.role.permissions or []):
            continue
        tree, depth = ("org", len(a.party_org.path)) if a.party_org_id else ("region", len(a.region.path))
        level, users = best.get(tree, (-1, []))
        if depth > level:
            best[tree] = (depth, [a.user])
        elif depth == level:
            users.append(a.user)
    users = {u.pk: u for _, us in best.values() for u in us}
    return list(users.values())


def _notify_side(t: Transfer, org: PartyOrg | None, *, also=None, kind: str, title: str, body: str) -> None:
    from grassroots.notifications.services import notify

    users = org_managers(org) if org is not None else []
    if also is not None and also.is_active and all(u.pk != also.pk for u in users):
        users.append(also)
    if users:
        url = reverse("party:transfer_detail", args=[t.pk])
        notify(users, kind=kind, title=title, body=body, url=url, obj=t)


def _lock_issued(t: Transfer) -> None:
    """Inside the transaction: the transfer re-read under a row lock; 409 when someone has acted on it."""
    locked = Transfer.objects.select_for_update().get(pk=t.pk)
    if locked.state != TransferState.ISSUED:
        raise ServiceError("该转接已被办理，请刷新后查看", status=409)


def _leave_issued(user, t: Transfer, to_state: str, changes: dict, **extra) -> None:
    """The transfer moves on from 已开具 with the fields the step stamps, audited as one transition."""
    t.state = to_state
    for field, value in changes.items():
        setattr(t, field, value)
    t.save(update_fields=["state", *changes])
    _audit(user, t, TransferState.ISSUED, to_state, **extra)


def _audit(user, t: Transfer, before: str, after: str, **extra) -> None:
    """One transition row, scoped to the sending side (the receiving side for transfers in from outside)."""
    home = t.from_org or t.to_org
    changes = {"state": [before, after], **{k: [None, audit._plain(v)] for k, v in extra.items()}}
    audit.record(
        AuditAction.TRANSITION,
        t,
        user=user,
        changes=changes,
        region_path=home.region.path if home else "",
        org_path=home.path if home else "",
    )


def _save_new(t: Transfer) -> Transfer:
    """Insert with a fresh letter number (retried once if another issue took the same number)."""
    for attempt in range(3):
        t.letter_no = _new_letter_no(t.issued_on)
        try:
            with transaction.atomic():
                t.save()
            return t
        except IntegrityError:
            if attempt == 2:
                raise
    return t


# ------------------------------------------------------------------------------------------ writes
def issue_transfer(
    user,
    member: Member,
    *,
    to_org: PartyOrg | None = None,
    outside_org_name: str = "",
    outside_org_address: str = "",
    reason: str = "",
    on: datetime.date | None = None,
) -> Transfer:
    """The sending org issues a transfer and its introduction letter: to an org on the platform
    (`to_org`, any non-functional party org: the receiving side needs no relation with the sender) or to
    one outside it (`outside_org_name`). The member stays where they are until acceptance."""
    core.require_in_scope(user, member, "change")
    from_org = member.party_org
    if from_org.is_functional:
        raise ServiceError("功能型党组织不办理组织关系转接（ORG-7）", field="to_org")
    if Transfer.objects.filter(member=member, state=TransferState.ISSUED).exists():
        raise ServiceError("该党员已有正在办理的组织关系转接，请先办结或撤销", status=409)
    outside_org_name = _text(outside_org_name, "平台外党组织名称", "outside_org_name", max_len=100)
    outside_org_address = _text(outside_org_address, "平台外党组织地址", "outside_org_address")
    reason = _text(reason, "转接原因", "reason")
    if to_org is None and not outside_org_name:
        raise ServiceError("请选择转入党组织，或填写平台外党组织名称", field="to_org")
    if to_org is not None and outside_org_name:
        raise ServiceError("转入平台内党组织时不填写平台外党组织", field="outside_org_name")
    if to_org is not None:
        if to_org.pk == from_org.pk:
            raise ServiceError("转入组织与当前组织相同", field="to_org")
        _check_target(to_org, "转入", "to_org")
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ServiceError("开具日期不能晚于今天", field="on")
    if on < member.joined_on:
        raise ServiceError("开具日期不能早于入党日期", field="on")
    params = transfer_params()
    t = Transfer(
        kind=TransferKind.INTERNAL if to_org is not None else TransferKind.OUT,
        state=TransferState.ISSUED,
        member=member,
        from_org=from_org,
        to_org=to_org,
        outside_org_name=outside_org_name,
        outside_org_address=outside_org_address,
        reason=reason,
        person_name=member.name,
        person_gender=member.gender,
        person_birth_date=member.birth_date,
        person_status=member.status,
        person_joined_on=member.joined_on,
        person_converted_on=member.converted_on,
        dues_paid_to=dues_paid_to(member),
        issued_on=on,
        issued_by=user,
        validity_days=params["letter_valid_days"],
        deadline=on + datetime.timedelta(days=params["accept_days"]) if to_org is not None else None,
    )
    _arm_token(t)
    with transaction.atomic():
        _save_new(t)
        _audit(user, t, "", TransferState.ISSUED, letter_no=t.letter_no, to=t.to_name)
        if to_org is not None:
            _notify_side(
                t,
                to_org,
                kind="party.transfer_incoming",
                title=f"组织关系转入待接收：{member.name}",
                body=f"{from_org.name}开具介绍信 {t.letter_no}，请于 {t.deadline:%Y-%m-%d} 前接收或退回。",
            )
    return t


def register_incoming(
    user,
    to_org: PartyOrg,
    *,
    outside_org_name: str,
    outside_letter_no: str,
    issued_on: datetime.date,
    name: str,
    gender: str,
    id_number: str,
    status: str,
    joined_on: datetime.date,
    birth_date: datetime.date | None = None,
    converted_on: datetime.date | None = None,
    phone: str = "",
    reason: str = "",
) -> Transfer:
    """The receiving org registers a letter from an org outside the platform; the Member is created when
    it accepts. The person must not already be a member on the platform (that is an internal transfer)."""
    from grassroots.core.crypto import lookup_hash

    core.require_in_scope(user, to_org, "change")
    _check_target(to_org, "转入", "to_org")
    outside_org_name = _text(outside_org_name, "转出党组织名称", "outside_org_name", min_len=2, max_len=100)
    outside_letter_no = _text(outside_letter_no, "介绍信编号", "outside_letter_no", min_len=1, max_len=40)
    name = _text(name, "姓名", "name", min_len=1, max_len=50)
    reason = _text(reason, "转接原因", "reason")
    if gender not in Gender.values:
        raise ServiceError("请选择性别", field="gender")
    if status not in MemberStatus.values:
        raise ServiceError("请选择党员类别", field="status")
    today = timezone.localdate()
    if issued_on is None or issued_on > today:
        raise ServiceError("介绍信开具日期不能晚于今天", field="issued_on")
    id_number = (id_number or "").strip().upper()
    # Validate the person as the Member that acceptance will create (dates, ID format, MEM-AGE).
    probe = Member(
        name=name,
        gender=gender,
        birth_date=birth_date,
        id_number=id_number,
        phone=(phone or "").strip(),
        party_org=to_org,
        status=status,
        joined_on=joined_on,
        converted_on=converted_on if status == MemberStatus.FULL else None,
        id_number_hash=lookup_hash(id_number),
    )
    core.full_clean(probe, exclude=["id_number_hash"])
    if Member.objects.filter(id_number_hash=lookup_hash(id_number)).exists():
        raise ServiceError(
            "该身份证号已登记为平台内党员，请由其所在党组织在平台内开具转接", field="id_number"
        )
    pending = Transfer.objects.filter(kind=TransferKind.IN, state=TransferState.ISSUED, to_org=to_org)
    if any(p.person_id_number == id_number for p in pending.only("person_id_number")):
        raise ServiceError("该党员已有一份待接收的转入登记", field="id_number", status=409)
    params = transfer_params()
    t = Transfer(
        kind=TransferKind.IN,
        state=TransferState.ISSUED,
        to_org=to_org,
        outside_org_name=outside_org_name,
        outside_letter_no=outside_letter_no,
        reason=reason,
        person_name=name,
        person_gender=gender,
        person_birth_date=birth_date,
        person_id_number=id_number,
        person_phone=probe.phone,
        person_status=status,
        person_joined_on=joined_on,
        person_converted_on=probe.converted_on,
        issued_on=issued_on,
        issued_by=user,
        deadline=today + datetime.timedelta(days=params["accept_days"]),
    )
    with transaction.atomic():
        _save_new(t)
        _audit(user, t, "", TransferState.ISSUED, letter_no=t.letter_no, source=outside_org_name)
    return t


def accept_transfer(user, t: Transfer) -> Transfer:
    """The receiving org accepts: the membership moves (or, from outside, the Member is created)."""
    _require_side(user, t, RECEIVER)
    _require_open(t)
    _check_target(t.to_org, "转入", "to_org")
    now = timezone.now()
    with transaction.atomic():
        _lock_issued(t)
        if t.kind == TransferKind.IN:
            member = _create_incoming_member(user, t)
        else:
            member = Member.objects.select_related("party_org").get(pk=t.member_id)
            if member.party_org_id != t.from_org_id:
                raise ServiceError("党员当前所在组织与转出组织不一致，不能接收", status=409)
            before = audit.snapshot(member)
            member.party_org = t.to_org
            member.save(update_fields=["party_org"])
            if t.from_org.secretary_id == member.pk:
                PartyOrg.objects.filter(pk=t.from_org_id).update(secretary=None)
            audit.record_update(user, member, before)
        changes = {
            "member": member,
            "accepted_at": now,
            "accepted_by": user,
            "transferred_on": timezone.localdate(),
        }
        _leave_issued(user, t, TransferState.ACCEPTED, changes)
        if t.from_org_id:
            _notify_side(
                t,
                t.from_org,
                also=t.issued_by,
                kind="party.transfer_accepted",
                title=f"组织关系已被接收：{t.person_name}",
                body=f"{t.to_org.name}已接收介绍信 {t.letter_no}（{t.transferred_on:%Y-%m-%d}）。",
            )
    return t


def _create_incoming_member(user, t: Transfer) -> Member:
    from grassroots.core.crypto import lookup_hash

    if Member.objects.filter(id_number_hash=lookup_hash(t.person_id_number)).exists():
        raise ServiceError("该身份证号已登记为平台内党员，不能重复接收", status=409)
    member = Member(
        name=t.person_name,
        gender=t.person_gender,
        birth_date=t.person_birth_date,
        id_number=t.person_id_number,
        id_number_hash=lookup_hash(t.person_id_number),
        phone=t.person_phone,
        party_org=t.to_org,
        status=t.person_status,
        joined_on=t.person_joined_on,
        converted_on=t.person_converted_on,
    )
    core.full_clean(member)
    member.save()
    audit.record_create(user, member)
    return member


def return_transfer(user, t: Transfer, *, reason: str) -> Transfer:
    """The receiving org returns the transfer with a reason: nothing moves, the member stays (is restored)
    in the sending org, which is told why."""
    _require_side(user, t, RECEIVER)
    _require_open(t)
    reason = _text(reason, "退回原因", "reason", min_len=2)
    with transaction.atomic():
        _lock_issued(t)
        changes = {"returned_at": timezone.now(), "returned_by": user, "return_reason": reason}
        _leave_issued(user, t, TransferState.RETURNED, changes, return_reason=reason)
        if t.from_org_id:
            _notify_side(
                t,
                t.from_org,
                also=t.issued_by,
                kind="party.transfer_returned",
                title=f"组织关系转接被退回：{t.person_name}",
                body=f"{t.to_org.name}退回介绍信 {t.letter_no}：{reason}",
            )
    return t


def cancel_transfer(user, t: Transfer, *, reason: str = "") -> Transfer:
    """The sending org withdraws a transfer it issued, before the receiving side accepts it."""
    _require_side(user, t, SENDER)
    _require_open(t)
    reason = _text(reason, "撤销原因", "reason")
    with transaction.atomic():
        _lock_issued(t)
        changes = {"cancelled_at": timezone.now(), "cancelled_by": user, "cancel_reason": reason}
        _leave_issued(user, t, TransferState.CANCELLED, changes, cancel_reason=reason)
        if t.to_org_id:
            _notify_side(
                t,
                t.to_org,
                kind="party.transfer_cancelled",
                title=f"组织关系转接已撤销：{t.person_name}",
                body=f"{t.from_org.name}撤销了介绍信 {t.letter_no}，无需办理接收。",
            )
    return t


def record_receipt(user, t: Transfer, *, receipt_on: datetime.date, receipt_ref: str) -> Transfer:
    """A transfer to an org outside the platform closes when the sender records the receipt (回执): the
    member leaves the platform (the transfer keeps the letter's data; the audit log keeps the record)."""
    _require_side(user, t, SENDER)
    _require_open(t)
    if t.kind != TransferKind.OUT:
        raise ServiceError("只有转往平台外的转接需要登记回执", status=409)
    receipt_ref = _text(receipt_ref, "回执编号或说明", "receipt_ref", min_len=2, max_len=100)
    if receipt_on is None or receipt_on > timezone.localdate():
        raise ServiceError("回执日期不能晚于今天", field="receipt_on")
    if receipt_on < t.issued_on:
        raise ServiceError("回执日期不能早于介绍信开具日期", field="receipt_on")
    with transaction.atomic():
        _lock_issued(t)
        member = Member.objects.select_related("party_org").filter(pk=t.member_id).first()
        changes = {
            "receipt_on": receipt_on,
            "receipt_ref": receipt_ref,
            "receipt_by": user,
            "transferred_on": receipt_on,
        }
        _leave_issued(user, t, TransferState.CLOSED, changes, receipt_ref=receipt_ref)
        if member is not None:
            if t.from_org.secretary_id == member.pk:
                PartyOrg.objects.filter(pk=t.from_org_id).update(secretary=None)
            audit.record_delete(user, member)
            member.delete()
    return t


# ------------------------------------------------------------------------------------------ reads
def in_transit_ids(member_ids) -> set[int]:
    """Members among `member_ids` with a transfer in transit (one query)."""
    return set(
        Transfer.objects.filter(member_id__in=list(member_ids), state=TransferState.ISSUED).values_list(
            "member_id", flat=True
        )
    )


def open_transfer(member: Member) -> Transfer | None:
    return Transfer.objects.filter(member=member, state=TransferState.ISSUED).select_related("to_org").first()


def side_q(user, direction: str) -> Q:
    """Transfers on the user's outgoing side (the sending org in scope) or incoming side."""
    from grassroots.core.scoping import scope_q

    from .models import _TransferSide

    prefix = "from_org" if direction == "out" else "to_org"
    q = scope_q(_TransferSide(prefix), user, "view")
    return Q(**{f"{prefix}__isnull": False}) if q is None else q


def check_org_12(c, rule) -> Iterator:
    """ORG-12: a receiving org (in the checker's scope) with transfers in transit past their deadline."""
    from django.db.models import Count, Min

    from grassroots.core.rules import Severity

    rows = (
        c.orgs()
        .filter(transfers_in__state=TransferState.ISSUED, transfers_in__deadline__lt=c.today)
        .values("id", "code", "name", "region__path", "region__name")
        .annotate(n=Count("transfers_in"), first=Min("transfers_in__deadline"))
    )
    days = int((rule.params or {}).get("accept_days", DEFAULTS["accept_days"]))
    for row in rows:
        yield c._org(
            rule,
            Severity.WARNING,
            row,
            f"有 {row['n']} 份组织关系转入超过 {days} 日办理期限未接收或退回"
            f"（最早于 {row['first']:%Y-%m-%d} 到期）",
        )
