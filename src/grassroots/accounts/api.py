"""/api/v1/accounts/: the caller's own account and tokens; users within scope for administrators."""

import datetime

from django.db.models import Prefetch, Q
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination
from grassroots.core.errors import NotFound
from grassroots.core.scoping import has_perm

from . import services
from .models import ApiToken, RoleAssignment

router = Router(tags=["accounts"])


class AssignmentOut(Schema):
    id: int
    role: str
    role_name: str
    scope_code: str | None
    scope_name: str | None
    scope_kind: str

    @staticmethod
    def from_assignment(a: RoleAssignment) -> dict:
        node = a.scope_node
        kind = "region" if a.region_id else ("party_org" if a.party_org_id else "own")
        return {
            "id": a.pk,
            "role": a.role.code,
            "role_name": a.role.name,
            "scope_code": getattr(node, "code", None),
            "scope_name": getattr(node, "name", None),
            "scope_kind": kind,
        }


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    is_active: bool
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(obj) -> list[dict]:
        if isinstance(obj, dict):
            return obj["assignments"]
        return [AssignmentOut.from_assignment(a) for a in obj.assignments.all()]


class MeOut(UserOut):
    permissions: list[str]


class TokenOut(Schema):
    prefix: str
    name: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    active: bool


def _user_dict(u) -> dict:
    return {
        "id": u.pk,
        "username": u.username,
        "display_name": u.display_name,
        "is_active": u.is_active,
        "assignments": [AssignmentOut.from_assignment(a) for a in u.assignments.all()],
    }


def _assignments():
    rows = RoleAssignment.objects.select_related("role", "region", "party_org")
    return Prefetch("assignments", queryset=rows)


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户、角色与权限")
def me(request):
    from grassroots.core.scoping import grants_for

    user = type(request.auth).objects.prefetch_related(_assignments()).get(pk=request.auth.pk)
    perms = sorted({p for g in grants_for(request.auth) for p in g.perms})
    return {**_user_dict(user), "permissions": perms}


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="我的 API 令牌（只显示前缀）")
def my_tokens(request):
    tokens = ApiToken.objects.filter(user=request.auth).order_by("-created_at")
    return [
        {
            "prefix": t.prefix,
            "name": t.name,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_at": t.expires_at,
            "active": t.is_active,
        }
        for t in tokens
    ]


@router.post("/tokens/{prefix}/revoke", response={204: None, **ERRORS}, summary="吊销我的一个令牌")
def revoke_my_token(request, prefix: str):
    services.revoke_token(request.auth, request.auth, prefix)
    return Status(204, None)


class UserFilter(Schema):
    q: str | None = Field(None, max_length=50, description="用户名或姓名")


@router.get("/users", response={200: list[UserOut], **ERRORS}, summary="管辖范围内的用户（需用户管理权限）")
@paginate(CursorPagination)
def list_users(request, filters: Query[UserFilter]):
    if not has_perm(request.auth, "accounts.manage"):
        raise NotFound()
    qs = services.manageable_users(request.auth).prefetch_related(_assignments())
    if filters.q:
        qs = qs.filter(Q(username__icontains=filters.q) | Q(display_name__icontains=filters.q))
    return qs


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS}, summary="用户详情（需用户管理权限）")
def get_user(request, user_id: int):
    user = services.get_manageable_user(request.auth, user_id)
    user = type(user).objects.prefetch_related(_assignments()).get(pk=user.pk)
    return _user_dict(user)
