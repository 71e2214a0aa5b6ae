"""`grassroots demoadmin`: the administrator and a few scoped demo accounts of the generated city.

Idempotent: accounts and assignments are created when missing. The password comes from
GRASSROOTS_ADMIN_PASSWORD, else it is generated once and kept in var/admin_password (reused later).
An existing account's password is changed only when GRASSROOTS_ADMIN_PASSWORD is set.
"""

from __future__ import annotations

import os
import secrets
import string

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grassroots.accounts import services
from grassroots.accounts.models import Role, RoleAssignment, User
from grassroots.core.errors import ServiceError
from grassroots.people.models import Worker
from grassroots.regions.models import Region

PASSWORD_FILE = "admin_password"
SYMBOLS = "!#%*+-=?@_"


def generate_password(length: int = 16) -> str:
    """Upper, lower, digits and a symbol, at least 12 characters."""
    length = max(12, length)
    alphabet = string.ascii_letters + string.digits + SYMBOLS
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)
            and any(c in SYMBOLS for c in value)
        ):
            return value


def admin_password() -> tuple[str, bool]:
    """(password, explicitly given by the environment)."""
    if env := os.environ.get("GRASSROOTS_ADMIN_PASSWORD"):
        return env, True
    path = settings.VAR_DIR / PASSWORD_FILE
    if path.exists() and path.read_text().strip():
        return path.read_text().strip(), False
    value = generate_password()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value, False


def create_demo_accounts(password: str, *, reset_password: bool = False) -> list[tuple[str, str, str, str]]:
    """The demo accounts of the generated city: [(username, role name, scope, created or not)].

    Used by the command and by the tests that walk the site as each of them."""
    roots = list(Region.objects.filter(depth=1).order_by("path"))
    if not roots:
        raise CommandError("还没有行政区划数据，请先运行 grassroots demo 生成演示城市。")
    street = Region.objects.filter(level="street", path__startswith=roots[0].path).order_by("path").first()
    community = (
        Region.objects.filter(level="community", path__startswith=street.path).order_by("path").first()
        if street
        else None
    )
    # (username, display name, role, scope nodes; None = no node for "any" roles)
    accounts = [("admin", "系统管理员（演示）", "city_admin", roots)]
    if street:
        accounts.append(("street", f"{street.name}管理员", "street_admin", [street]))
    if community:
        accounts.append(("community", f"{community.name}管理员", "community_admin", [community]))
        accounts.append(("gridworker", f"{community.name}网格员", "grid_worker", [community]))
    district = (
        Region.objects.filter(level="district", path=street.path[: -Region.steplen]).first()
        if street
        else None
    )
    if district:
        accounts.append(("dept", f"{district.name}部门经办人", "department_handler", [district]))
    if community:
        accounts.append(("member", f"{community.name}在职党员", "party_member", [None]))
        # A resident signed up by phone and linked to a household of the community (the H5 pages).
        accounts.append(("resident", "居民（演示）", "resident", [None]))
    # The auditor reads everything of the city: an assignment without a node would be a grant over
    # the auditor's own records only (empty lists and an empty audit log).
    accounts.append(("auditor", "审计员（演示）", "auditor", roots))
    lines = []
    try:
        with services.console_context(), transaction.atomic():
            for username, display, role_code, nodes in accounts:
                user = User.objects.filter(username=username).first()
                if user is None:
                    user, _ = services.create_user(None, username, password=password, display_name=display)
                    created = "新建"
                else:
                    created = "已存在"
                    if reset_password and not user.check_password(password):
                        services.reset_password(None, user, password)
                if username == "admin" and not (user.is_superuser and user.is_staff):
                    user.is_superuser = user.is_staff = True
                    user.save(update_fields=["is_superuser", "is_staff"])
                role = Role.objects.get(code=role_code)
                if role_code == "auditor":
                    # Earlier versions gave the auditor an own-records assignment: drop it.
                    stale = RoleAssignment.objects.filter(
                        user=user, role=role, region__isnull=True, party_org__isnull=True
                    ).values_list("pk", flat=True)
                    for pk in list(stale):
                        services.revoke_assignment(None, pk)
                for node in nodes:
                    if not RoleAssignment.objects.filter(user=user, role=role, region=node).exists():
                        services.assign_role(None, user, role_code, node)
                if role_code == "grid_worker" and not hasattr(user, "worker"):
                    worker = (
                        Worker.objects.filter(region=community, role="grid_worker", user__isnull=True)
                        .order_by("code")
                        .first()
                    )
                    if worker is not None:
                        worker.user = user
                        worker.save(update_fields=["user"])
                if role_code == "department_handler":
                    _join_department(user, nodes[0])
                if role_code == "party_member":
                    _link_member(user, community)
                if role_code == "resident":
                    _link_resident(user, community)
                scope = "、".join(n.name for n in nodes if n is not None) or {
                    "party_member": f"本人（居住在{community.name if community else ''}）",
                    "resident": f"本人（居住在{community.name if community else ''}）",
                }.get(role_code, "")
                if role_code == "auditor":
                    scope += "（只读与审计）"
                lines.append((username, role.name, scope, created))
    except ServiceError as exc:
        raise CommandError(exc.message) from exc
    return lines


class Command(BaseCommand):
    help = "创建演示用管理员和各级演示账号（可重复运行）"
    requires_system_checks: list = []

    def handle(self, *args, **options):
        password, explicit = admin_password()
        lines = create_demo_accounts(password, reset_password=explicit)
        port = os.environ.get("GRASSROOTS_PORT", str(settings.PORT))
        self.stdout.write("")
        self.stdout.write("演示账号已就绪。用浏览器打开：")
        self.stdout.write(f"  http://127.0.0.1:{port}/")
        self.stdout.write("用户名（角色，管辖范围）：")
        for username, role_name, scope, created in lines:
            self.stdout.write(f"  {username:<11}{role_name}，{scope}（{created}）")
        self.stdout.write(f"密码（以上账号相同）：{password}")
        if not explicit:
            path = settings.VAR_DIR / PASSWORD_FILE
            self.stdout.write(f"密码保存在 {path}，可用环境变量 GRASSROOTS_ADMIN_PASSWORD 指定。")


def _join_department(user, district) -> None:
    """The department account acts for the district's first department (cases, whistle check-ins)."""
    from grassroots.cases.models import Handler

    handler = Handler.objects.filter(kind="department", region=district).order_by("name").first()
    if handler is not None:
        handler.members.add(user)


def _link_member(user, community) -> None:
    """The member account is an in-service party member living in the demo community (双报到, wishes)."""
    from grassroots.party.models import Member

    if Member.objects.filter(user=user).exists():
        return
    member = (
        Member.objects.filter(user__isnull=True, status="full", residence__path__startswith=community.path)
        .order_by("-is_household_hub", "-in_service", "pk")  # a 党员中心户 shows the 联户 pages too
        .first()
    ) or Member.objects.filter(user__isnull=True, status="full").order_by("-in_service", "pk").first()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(user=user, in_service=True)


def _link_resident(user, community) -> None:
    """The resident account's profile: a phone (kept as a hash) and a household of the demo community."""
    from grassroots.accounts.models import ResidentProfile
    from grassroots.core.crypto import lookup_hash
    from grassroots.regions.models import Household

    if ResidentProfile.objects.filter(user=user).exists():
        return
    household = Household.objects.filter(entrance__path__startswith=community.path).order_by("pk").first()
    ResidentProfile.objects.create(
        user=user, phone_hash=lookup_hash("demo-resident"), phone_masked="139****0000", household=household
    )
    _follow_nearby(user, community)


def _follow_nearby(user, community) -> None:
    """身边诉求: the demo resident follows the two newest open cases of their community (我的诉求 lists
    them; their moves reach the resident's inbox)."""
    from grassroots.cases import public
    from grassroots.cases.models import Case

    open_states = ("dispatched", "accepted")
    nearby = Case.objects.filter(region__path__startswith=community.path, state__in=open_states)
    for case in nearby.exclude(reporter_user=user).order_by("-submitted_at")[:2]:
        try:
            public.follow(user, case)
        except ServiceError:
            continue
