"""Every change to accounts: users, role assignments, roles, API tokens and resident sign-in.

Each function is atomic, checks the actor's permission and scope, and writes its own audit record.
Commands pass actor=None (the operator at the console, recorded as 系统 with source "cli").
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.core import audit, context
from grassroots.core.crypto import lookup_hash
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.masking import mask_phone
from grassroots.core.models import AuditAction
from grassroots.core.scoping import has_perm, reset_grants

from .models import ApiToken, OneTimeCode, ResidentProfile, Role, RoleAssignment, SmsOutbox, User
from .permissions import PERMISSIONS, SEPARATED_ROLES

log = logging.getLogger(__name__)

__all__ = [
    "find_scope_node",
    "create_user",
    "assign_role",
    "revoke_assignment",
    "reset_password",
    "set_role_permissions",
    "issue_token",
    "revoke_token",
    "manageable_users",
    "request_login_code",
    "login_with_code",
    "OTP_TTL",
    "OTP_MAX_ATTEMPTS",
]

OTP_TTL = datetime.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_PER_MINUTE = 1
OTP_PER_DAY = 10


# --- scope helpers ---------------------------------------------------------------------------


def party_org_model():
    """The party organisation tree a role may be assigned on, as RoleAssignment.party_org declares it
    (accounts sits below the party app and does not import it)."""
    from .models import RoleAssignment

    return RoleAssignment._meta.get_field("party_org").related_model


def find_scope_node(code: str):
    """A Region or PartyOrg by its code (region codes are digits, org codes contain letters)."""
    from grassroots.regions.models import Region

    PartyOrg = party_org_model()  # noqa: N806

    code = (code or "").strip()
    if not code:
        raise ServiceError("请填写管辖范围编码", field="scope")
    node = Region.objects.filter(code=code).first() or PartyOrg.objects.filter(code=code).first()
    if node is None:
        raise ServiceError(f"找不到编码为“{code}”的行政区划或党组织", field="scope")
    return node


def _node_path(node) -> str:
    return node.path


def _actor_scope_paths(actor, perm: str) -> tuple[list[str], list[str]] | None:
    """(region paths, org paths) where the actor holds `perm`; None = everywhere (superuser/console)."""
    from grassroots.core.scoping import grants_for

    if actor is None or actor.is_superuser:
        return None
    regions, orgs = [], []
    for g in grants_for(actor):
        if perm not in g.perms:
            continue
        if g.region_path is not None:
            regions.append(g.region_path)
        if g.org_path is not None:
            orgs.append(g.org_path)
    return regions, orgs


def _require_node_in_actor_scope(actor, node) -> None:
    """An administrator can grant only at or below their own scope nodes."""
    PartyOrg = party_org_model()  # noqa: N806

    scope = _actor_scope_paths(actor, "accounts.manage")
    if scope is None:
        return
    regions, orgs = scope
    if node is None:
        # Own-records grants (residents, party members) need no node: any manager may give them.
        if regions or orgs:
            return
        raise PermissionDenied()
    paths = orgs if isinstance(node, PartyOrg) else regions
    if not any(node.path.startswith(p) for p in paths):
        raise PermissionDenied("只能在本人管辖范围内（含下级）授权")


def _require_no_escalation(actor, role: Role, node) -> None:
    """No one can hand out more than they hold: the role's permissions must be a subset of what the
    actor holds over that node."""
    from grassroots.core.scoping import grants_for

    PartyOrg = party_org_model()  # noqa: N806

    held: set[str] = set()
    for g in grants_for(actor):
        if node is None:
            held |= g.perms
        elif isinstance(node, PartyOrg):
            if g.org_path is not None and node.path.startswith(g.org_path):
                held |= g.perms
        elif g.region_path is not None and node.path.startswith(g.region_path):
            held |= g.perms
    missing = set(role.permissions) - held
    if missing:
        names = "、".join(PERMISSIONS.get(p, p) for p in sorted(missing))
        raise PermissionDenied(f"不能授予超出本人权限的角色（缺少：{names}）")


def manageable_users(actor):
    """Users the actor may see on the user management page: those with an assignment inside the
    actor's scope (plus, for superusers and console, everyone)."""
    from django.db.models import Q

    qs = User.objects.all()
    scope = _actor_scope_paths(actor, "accounts.manage")
    if scope is None:
        return qs
    regions, orgs = scope
    q = Q(pk__in=[])
    for p in regions:
        q |= Q(assignments__region__path__startswith=p)
    for p in orgs:
        q |= Q(assignments__party_org__path__startswith=p)
    return qs.filter(q).distinct()


def get_manageable_user(actor, pk) -> User:
    if actor is not None and not has_perm(actor, "accounts.manage"):
        raise NotFound()
    user = manageable_users(actor).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def _check_separation(user: User, role: Role) -> None:
    """三员分立 (MLPS 2.0): system, security and audit administrators are different people."""
    if role.code not in SEPARATED_ROLES:
        return
    held = set(user.assignments.filter(role__code__in=SEPARATED_ROLES).values_list("role__code", flat=True))
    others = held - {role.code}
    if others:
        names = "、".join(Role.objects.filter(code__in=others).values_list("name", flat=True))
        raise ServiceError(
            f"三员分立：该账号已担任{names}，不能再担任{role.name}（系统管理员、安全管理员、审计员须由不同账号担任）",
            field="role",
        )


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("；".join(exc.messages), field="password") from exc


def _get_role(code: str) -> Role:
    role = Role.objects.filter(code=(code or "").strip()).first()
    if role is None:
        known = "、".join(Role.objects.values_list("code", flat=True))
        raise ServiceError(f"找不到角色“{code}”。可用角色：{known}", field="role")
    return role


# --- users and assignments ---------------------------------------------------------------------


def assign_role(actor, user: User, role_code: str, node=None) -> RoleAssignment:
    """Give `user` a role over a node's subtree (or over their own records when node is None)."""
    PartyOrg = party_org_model()  # noqa: N806

    if actor is not None and not has_perm(actor, "accounts.manage"):
        raise PermissionDenied()
    role = _get_role(role_code)
    if actor is not None and not actor.is_superuser:
        if role.code in SEPARATED_ROLES:
            raise PermissionDenied("系统管理员、安全管理员、审计员只能由超级管理员或在服务器上授权")
        _require_node_in_actor_scope(actor, node)
        _require_no_escalation(actor, role, node)
    kwargs = {"party_org": node} if isinstance(node, PartyOrg) else {"region": node}
    with transaction.atomic():
        _check_separation(user, role)
        if RoleAssignment.objects.filter(user=user, role=role, **kwargs).exists():
            raise ServiceError("该用户已拥有此授权", field="role")
        a = RoleAssignment.objects.create(user=user, role=role, **kwargs)
        audit.record(
            AuditAction.CREATE,
            a,
            user=actor,
            object_repr=str(a)[:200],
            changes={"user": [None, user.username], "role": [None, role.code], "scope": [None, _scope(a)]},
        )
    reset_grants(user)
    return a


def _scope(a: RoleAssignment) -> str:
    node = a.scope_node
    return node.code if node is not None else "本人"


def create_user(
    actor,
    username: str,
    *,
    password: str | None = None,
    display_name: str = "",
    role_code: str | None = None,
    node=None,
) -> tuple[User, str | None]:
    """Create an account (and its first assignment). Returns (user, generated password or None)."""
    if actor is not None and not has_perm(actor, "accounts.manage"):
        raise PermissionDenied()
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ServiceError("用户名不能为空，且不超过 150 个字符", field="username")
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"用户名“{username}”已存在", field="username")
    generated = None
    if not password:
        generated = password = _random_password()
    candidate = User(username=username, display_name=display_name)
    _validate_password(password, candidate)
    try:
        user_field = User._meta.get_field("username")
        for v in user_field.validators:
            v(username)
    except ValidationError as exc:
        raise ServiceError("用户名只能包含字母、数字和 @/./+/-/_ 字符", field="username") from exc
    with transaction.atomic():
        try:
            user = User.objects.create_user(username=username, password=password, display_name=display_name)
        except IntegrityError as exc:
            raise ServiceError(f"用户名“{username}”已存在", field="username") from exc
        audit.record(
            AuditAction.CREATE, user, user=actor, changes=_user_snapshot(user), **_user_paths(user, node)
        )
        if role_code:
            assign_role(actor, user, role_code, node)
    return user, generated


def _user_paths(user: User, node=None) -> dict:
    """Audit scope of a user account: the node it is managed under (or its first assignment)."""
    PartyOrg = party_org_model()  # noqa: N806

    if node is None:
        a = user.assignments.select_related("region", "party_org").order_by("id").first()
        node = a.scope_node if a is not None else None
    if node is None:
        return {}
    if isinstance(node, PartyOrg):
        return {"org_path": node.path, "region_path": node.region.path if node.region_id else ""}
    return {"region_path": node.path}


def _user_snapshot(user: User) -> dict:
    return {"username": [None, user.username], "display_name": [None, user.display_name]}


def _random_password() -> str:
    # 4 classes guaranteed, 16 characters: passes every configured validator.
    return "Gr-" + secrets.token_urlsafe(10) + "a7Z"


def revoke_assignment(actor, assignment_id: int) -> None:
    if actor is not None and not has_perm(actor, "accounts.manage"):
        raise NotFound()
    rows = RoleAssignment.objects.select_related("user", "role", "region", "party_org")
    a = rows.filter(pk=assignment_id).first()
    if a is None:
        raise NotFound()
    try:
        _require_node_in_actor_scope(actor, a.scope_node)
        if a.scope_node is None:
            get_manageable_user(actor, a.user_id)
    except PermissionDenied as exc:
        raise NotFound() from exc
    if actor is not None and a.user_id == actor.pk and a.role.code != "resident":
        raise ServiceError("不能撤销自己的授权")
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE,
            a,
            user=actor,
            object_repr=str(a)[:200],
            changes={
                "user": [a.user.username, None],
                "role": [a.role.code, None],
                "scope": [_scope(a), None],
            },
        )
        a.delete()
    reset_grants(a.user)


def reset_password(actor, user: User, password: str | None = None) -> str | None:
    """Set a new password (validated); returns the generated one when none was given."""
    if actor is not None:
        get_manageable_user(actor, user.pk)
    generated = None
    if not password:
        generated = password = _random_password()
    _validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            AuditAction.UPDATE,
            user,
            user=actor,
            changes={"password": ["******", "已重置"]},
            **_user_paths(user),
        )
    return generated


def set_role_permissions(actor, role: Role, permissions: list[str]) -> Role:
    if actor is not None and not has_perm(actor, "roles.manage"):
        raise NotFound()
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ServiceError(f"未知权限：{'、'.join(unknown)}", field="permissions")
    new = sorted(set(permissions))
    before = sorted(role.permissions)
    if new == before:
        return role
    with transaction.atomic():
        role.permissions = new
        role.save(update_fields=["permissions"])
        audit.record(
            AuditAction.UPDATE,
            role,
            user=actor,
            changes={"permissions": [before, new]},
        )
    return role


# --- API tokens ---------------------------------------------------------------------------------


def issue_token(actor, user: User, name: str = "", expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token; it expires after `expires_days` (default settings.API_TOKEN_DEFAULT_DAYS)."""
    if actor is not None and actor.pk != user.pk:
        get_manageable_user(actor, user.pk)
    if expires_days is None:
        expires_days = int(getattr(settings, "API_TOKEN_DEFAULT_DAYS", 90))
    if not (1 <= expires_days <= 3650):
        raise ServiceError("有效天数须在 1 至 3650 之间", field="expires_days")
    if len(name) > 100:
        raise ServiceError("令牌名称不超过 100 个字符", field="name")
    expires_at = timezone.now() + datetime.timedelta(days=expires_days)
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name=name, expires_at=expires_at)
        audit.record(
            AuditAction.TOKEN,
            token,
            user=actor,
            object_repr=f"为 {user.username} 生成令牌 {token.prefix}…",
            **_user_paths(user),
            changes={"token": [None, token.prefix], "expires_at": [None, audit._plain(expires_at)]},
        )
    return token, raw


def revoke_token(actor, user: User, prefix: str) -> int:
    if actor is not None and actor.pk != user.pk:
        get_manageable_user(actor, user.pk)
    prefix = (prefix or "").strip().removeprefix("gr_")
    if len(prefix) < 4:
        raise ServiceError("请提供至少 4 位令牌前缀", field="prefix")
    tokens = list(ApiToken.objects.filter(user=user, prefix__startswith=prefix, revoked_at__isnull=True))
    if not tokens:
        raise ServiceError(f"用户 {user.username} 没有前缀为“{prefix}”的有效令牌", field="prefix", status=404)
    if len(tokens) > 1:
        raise ServiceError("前缀匹配到多个令牌，请提供更长的前缀", field="prefix")
    token = tokens[0]
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            AuditAction.TOKEN,
            token,
            user=actor,
            object_repr=f"吊销 {user.username} 的令牌 {token.prefix}…",
            **_user_paths(user),
            changes={"revoked_at": [None, audit._plain(token.revoked_at)]},
        )
    return 1


# --- residents: phone + one-time code ------------------------------------------------------------


def normalize_phone(phone: str) -> str:
    phone = "".join(ch for ch in (phone or "") if ch.isdigit())
    if phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if len(phone) != 11 or not phone.startswith("1") or phone[1] not in "3456789":
        raise ServiceError("请输入正确的 11 位手机号码", field="phone")
    return phone


def _code_hash(phone_hash: str, code: str) -> str:
    # Keyed by the phone so a leaked table can't be matched against a list of all 10^6 codes at once.
    return lookup_hash(f"otp:{phone_hash}:{code}")


def _sms_limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def request_login_code(phone: str, ip: str = "") -> OneTimeCode:
    """Send a 6-digit code, within the caps (settings SMS_CODES_*): per phone a minute and a day, per
    client IP an hour and a day, and for the whole platform a day. A refusal sends nothing."""
    from grassroots.core.senders import send_sms

    phone = normalize_phone(phone)
    ph = lookup_hash(phone)
    ip = (ip or "")[:64]
    now = timezone.now()
    hour_ago, day_ago = now - datetime.timedelta(hours=1), now - datetime.timedelta(days=1)
    recent = OneTimeCode.objects.filter(phone_hash=ph, created_at__gte=day_ago)
    if recent.filter(created_at__gte=now - datetime.timedelta(minutes=1)).count() >= _sms_limit(
        "SMS_CODES_PER_PHONE_MINUTE", OTP_PER_MINUTE
    ):
        raise ServiceError("验证码发送过于频繁，请 1 分钟后再试", field="phone", status=429)
    if recent.count() >= _sms_limit("SMS_CODES_PER_PHONE_DAY", OTP_PER_DAY):
        raise ServiceError("该号码今日获取验证码次数已达上限，请明天再试", field="phone", status=429)
    by_ip = OneTimeCode.objects.filter(ip=ip, created_at__gte=day_ago)
    if ip and by_ip.filter(created_at__gte=hour_ago).count() >= _sms_limit("SMS_CODES_PER_IP_HOUR", 5):
        raise ServiceError("当前网络获取验证码过于频繁，请 1 小时后再试", field="phone", status=429)
    if ip and by_ip.count() >= _sms_limit("SMS_CODES_PER_IP_DAY", 10):
        raise ServiceError("当前网络今日获取验证码次数已达上限，请明天再试", field="phone", status=429)
    if OneTimeCode.objects.filter(created_at__gte=day_ago).count() >= _sms_limit("SMS_CODES_PER_DAY", 2000):
        log.warning("platform-wide daily SMS code cap reached")
        raise ServiceError("今日验证码发送量已达平台上限，请明天再试或联系社区", field="phone", status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        # A new code supersedes the earlier ones: only the latest can be used.
        OneTimeCode.objects.filter(phone_hash=ph, used_at__isnull=True).update(used_at=now)
        otp = OneTimeCode.objects.create(
            phone_hash=ph,
            code_hash=_code_hash(ph, code),
            created_at=now,
            expires_at=now + OTP_TTL,
            ip=ip,
        )
        send_sms(
            phone,
            f"【基层治理平台】您的登录验证码为 {code}，5 分钟内有效。请勿告诉他人。",
            kind="accounts.login_code",
        )
    return otp


def login_with_code(phone: str, code: str) -> User:
    """Check the code (single use, 5 attempts); sign up on first login. Returns the resident user.

    A wrong code is counted (committed) before the error is raised, so attempts can't be replayed.
    """
    phone = normalize_phone(phone)
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ServiceError("请输入 6 位数字验证码", field="code")
    ph = lookup_hash(phone)
    now = timezone.now()
    error = None
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_hash=ph, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise ServiceError("验证码已失效，请重新获取", field="code")
        if not secrets.compare_digest(otp.code_hash, _code_hash(ph, code)):
            otp.attempts += 1
            if otp.attempts >= OTP_MAX_ATTEMPTS:
                otp.used_at = now
            otp.save(update_fields=["attempts", "used_at"])
            left = OTP_MAX_ATTEMPTS - otp.attempts
            audit.record(
                AuditAction.LOGIN_FAILED,
                None,
                model_label="accounts.residentprofile",
                object_repr=f"居民 {mask_phone(phone)} 验证码错误",
                success=False,
            )
            error = f"验证码不正确，还可尝试 {left} 次" if left else "验证码错误次数过多，请重新获取"
        else:
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            profile = ResidentProfile.objects.select_related("user").filter(phone_hash=ph).first()
            user = _sign_up_resident(phone, ph) if profile is None else profile.user
    if error:
        raise ServiceError(error, field="code")
    if not user.is_active:
        raise ServiceError("该账号已停用，请联系社区", field="phone", status=403)
    return user


def _sign_up_resident(phone: str, ph: str) -> User:
    username = "r" + ph[:12]
    user = User.objects.create_user(username=username, password=None, display_name=f"居民{phone[-4:]}")
    user.phone_hash = ph
    user.save(update_fields=["phone_hash"])
    ResidentProfile.objects.create(user=user, phone_hash=ph, phone_masked=mask_phone(phone))
    role = Role.objects.get(code="resident")
    RoleAssignment.objects.create(user=user, role=role)
    audit.record(
        AuditAction.CREATE,
        user,
        user=user,
        object_repr=f"居民注册 {mask_phone(phone)}",
        changes={"username": [None, username], "role": [None, "resident"]},
    )
    return user


def link_household(actor, profile: ResidentProfile, household) -> ResidentProfile:
    """Link a resident account to a household (done by staff who can change that household)."""
    from grassroots.core.services import require_in_scope

    if household is not None:
        require_in_scope(actor, household, "change")
    before = profile.household_id
    with transaction.atomic():
        profile.household = household
        profile.save(update_fields=["household"])
        audit.record(
            AuditAction.UPDATE,
            profile,
            user=actor,
            changes={"household": [before, getattr(household, "pk", None)]},
        )
    return profile


def outbox_latest(phone: str) -> SmsOutbox | None:
    return SmsOutbox.objects.filter(phone=normalize_phone(phone)).first()


def console_context():
    """The audit context of a management command."""
    return context.use_context(context.RequestContext(request_id=context.new_request_id(), source="cli"))
