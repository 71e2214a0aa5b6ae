"""/api/v1/orglife/: activities, their lifecycle, sign-up, check-in, attendance, minutes, compliance.

Thin: reads through visible_to(), writes through orglife.services (scope, validation, audit).
"""

from ninja import Query, Router, Status
from ninja.pagination import paginate

from grassroots.core.api import ERRORS, CursorPagination, references, require_perm, visible_or_404
from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.party.models import PartyOrg
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump
from grassroots.units.models import Unit

from . import services, stats, workflow
from .filters import OrglifeActivityFilters
from .models import Activity, Signup
from .periods import parse_period, period_of
from .schemas import (
    ActivityCreate,
    ActivityDetailOut,
    ActivityOut,
    ActivityUpdate,
    AttendanceIn,
    AttendanceOut,
    CancelIn,
    CheckinIn,
    ComplianceOut,
    MinutesIn,
    OrglifeStatsFilter,
    RuleHistoryOut,
    SignupOut,
)

router = Router(tags=["组织生活与活动"])

RELATED = ("party_org", "region", "unit")
REFS = {
    "party_org_code": ("party_org", PartyOrg, "党组织"),
    "region_code": ("region", Region, "所属区划"),
    "unit_code": ("unit", Unit, "联建单位"),
}


def _activities(user):
    return Activity.objects.visible_to(user).select_related(*RELATED)


def _detail(user, pk: int) -> Activity:
    a = _activities(user).get(pk=pk)
    a.allowed_actions = workflow.allowed_verbs(a.status) if covers(user, a, "change") else []
    return a


def _get(request, activity_id: int) -> Activity:
    return visible_or_404(Activity, request.user, select_related=RELATED, pk=activity_id)


@router.get(
    "/activities/",
    response={200: list[ActivityOut], **ERRORS},
    operation_id="orglife_activities_list",
    summary="活动列表",
)
@paginate(CursorPagination)
def activities_list(request, filters: Query[OrglifeActivityFilters.schema()]):
    require_perm(request.user, "orglife.view")
    return OrglifeActivityFilters.from_request(request).apply(_activities(request.user))


@router.post(
    "/activities/",
    response={201: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_create",
    summary="新建活动计划",
)
def activities_create(request, payload: ActivityCreate):
    data = references(request.user, dump(payload), REFS)
    activity = services.create_activity(request.user, **data)
    return Status(201, _detail(request.user, activity.pk))


@router.get(
    "/activities/{int:activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_get",
    summary="活动详情",
)
def activities_get(request, activity_id: int):
    return _detail(request.user, _get(request, activity_id).pk)


@router.patch(
    "/activities/{int:activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_update",
    summary="修改活动安排",
)
def activities_update(request, activity_id: int, payload: ActivityUpdate):
    activity = _get(request, activity_id)
    data = references(request.user, dump(payload), REFS)
    version = data.pop("version", None)
    services.update_activity(request.user, activity, version=version, **data)
    return _detail(request.user, activity.pk)


def _transition(request, activity_id: int, fn, *args):
    activity = _get(request, activity_id)
    fn(request.user, activity, *args)
    return _detail(request.user, activity.pk)


@router.post(
    "/activities/{int:activity_id}/publish",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_publish",
    summary="发布活动（通知本组织党员）",
)
def activities_publish(request, activity_id: int):
    return _transition(request, activity_id, services.publish_activity)


@router.post(
    "/activities/{int:activity_id}/start",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_start",
    summary="开始活动",
)
def activities_start(request, activity_id: int):
    return _transition(request, activity_id, services.start_activity)


@router.post(
    "/activities/{int:activity_id}/finish",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_finish",
    summary="标记活动完成",
)
def activities_finish(request, activity_id: int):
    return _transition(request, activity_id, services.finish_activity)


@router.post(
    "/activities/{int:activity_id}/cancel",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_activities_cancel",
    summary="取消活动",
)
def activities_cancel(request, activity_id: int, payload: CancelIn):
    return _transition(request, activity_id, services.cancel_activity, payload.reason)


@router.post(
    "/activities/{int:activity_id}/signup",
    response={201: SignupOut, **ERRORS},
    operation_id="orglife_signup",
    summary="报名",
)
def signup_create(request, activity_id: int):
    signup = services.sign_up(request.user, _get(request, activity_id))
    return Status(201, signup)


@router.delete(
    "/activities/{int:activity_id}/signup",
    response={200: SignupOut, **ERRORS},
    operation_id="orglife_signup_cancel",
    summary="取消报名",
)
def signup_cancel(request, activity_id: int):
    return services.cancel_signup(request.user, _get(request, activity_id))


@router.get(
    "/activities/{int:activity_id}/signups",
    response={200: list[SignupOut], **ERRORS},
    operation_id="orglife_signups_list",
    summary="报名与出席名单（组织者）",
)
@paginate(CursorPagination)
def signups_list(request, activity_id: int):
    activity = visible_or_404(Activity, request.user, "change", select_related=RELATED, pk=activity_id)
    return Signup.objects.filter(activity=activity)


@router.post(
    "/checkin",
    response={200: SignupOut, **ERRORS},
    operation_id="orglife_checkin",
    summary="扫码签到",
)
def checkin(request, payload: CheckinIn):
    return services.check_in(request.user, payload.token)


@router.post(
    "/activities/{int:activity_id}/attendance",
    response={200: AttendanceOut, **ERRORS},
    operation_id="orglife_attendance",
    summary="登记出席（按本组织党员）",
)
def attendance(request, activity_id: int, payload: AttendanceIn):
    return services.record_attendance(request.user, _get(request, activity_id), payload.member_ids)


@router.put(
    "/activities/{int:activity_id}/minutes",
    response={200: ActivityDetailOut, **ERRORS},
    operation_id="orglife_minutes",
    summary="保存会议记录",
)
def minutes(request, activity_id: int, payload: MinutesIn):
    return _transition(request, activity_id, services.record_minutes, payload.minutes)


@router.get(
    "/branches/{code}/compliance",
    response={200: list[RuleHistoryOut], **ERRORS},
    operation_id="orglife_branch_compliance",
    summary="支部组织生活落实情况（各规则各期）",
)
def branch_compliance(request, code: str):
    org = visible_or_404(PartyOrg, request.user, select_related=("region",), code=code)
    if not has_perm(request.user, "orglife.view"):
        raise NotFound()
    return [
        {
            "code": r["rule"].code,
            "name": r["rule"].title,
            "periods": [
                {
                    "period": s.period.label,
                    "start": s.period.start,
                    "end": s.period.end,
                    "count": s.count,
                    "required": s.required,
                    "state": s.state,
                }
                for s in r["periods"]
            ],
        }
        for r in stats.history(org)
    ]


@router.get(
    "/compliance",
    response={200: ComplianceOut, **ERRORS},
    operation_id="orglife_compliance",
    summary="组织生活达标统计（范围内各支部）",
)
def compliance(request, filters: Query[OrglifeStatsFilter]):
    require_perm(request.user, "orglife.change")
    from django.utils import timezone

    today = timezone.localdate()
    try:
        period = parse_period(filters.period) if filters.period else period_of(today, "year")
    except ValueError as exc:
        raise ServiceError(str(exc), field="period") from exc
    orgs = PartyOrg.objects.visible_to(request.user)
    if filters.region:
        node = Region.objects.visible_to(request.user).filter(code=filters.region).first()
        if node is None:
            raise ServiceError(
                f"区划“{filters.region}”不存在或不在您的管辖范围内", field="region", status=404
            )
        orgs = orgs.filter(region__path__startswith=node.path)
    result = stats.life_compliance(orgs, period, today=today)
    result["rules"] = [{"code": code, **v} for code, v in result["rules"].items()]
    return result
