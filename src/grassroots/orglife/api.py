"""/api/v1/orglife/: activities, their lifecycle, sign-up, check-in, attendance, minutes, compliance.

Thin: reads through visible_to(), writes through orglife.services (scope, validation, audit).
"""

from ninja import Query, Router, Status

from grassroots.core.api import references, require_perm, visible_or_404
from grassroots.core.crud import action_route, endpoint, get_route, list_route, returned
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


def _get(user, activity_id: int) -> Activity:
    return visible_or_404(Activity, user, select_related=RELATED, pk=activity_id)


def _detailed(user, activity: Activity, _result=None) -> Activity:
    return _detail(user, activity.pk)


def _update(user, activity: Activity, payload: ActivityUpdate) -> None:
    data = references(user, dump(payload), REFS)
    version = data.pop("version", None)
    services.update_activity(user, activity, version=version, **data)


def _signups(user, activity_id: int):
    activity = visible_or_404(Activity, user, "change", select_related=RELATED, pk=activity_id)
    return Signup.objects.filter(activity=activity)


list_route(
    router, "/activities/", ActivityOut, "orglife_activities_list", "活动列表",
    read=_activities, filters=OrglifeActivityFilters, perm="orglife.view",
)  # fmt: skip


@endpoint(
    router.post, "/activities/", ActivityDetailOut, "orglife_activities_create", "新建活动计划",
    status=201,
)  # fmt: skip
def activities_create(request, payload: ActivityCreate):
    data = references(request.user, dump(payload), REFS)
    activity = services.create_activity(request.user, **data)
    return Status(201, _detail(request.user, activity.pk))


ACTIVITY = "/activities/{int:activity_id}"
Out = ActivityDetailOut
get_route(
    router, ACTIVITY, Out, "orglife_activities_get", "活动详情", lambda u, pk: _detailed(u, _get(u, pk))
)
action_route(
    router, ACTIVITY, Out, "orglife_activities_update", "修改活动安排", method="patch",
    fetch=_get, payload=ActivityUpdate, act=_update, reply=_detailed,
)  # fmt: skip
for verb, summary, service in (
    ("publish", "发布活动（通知本组织党员）", services.publish_activity),
    ("start", "开始活动", services.start_activity),
    ("finish", "标记活动完成", services.finish_activity),
):
    action_route(
        router, f"{ACTIVITY}/{verb}", Out, f"orglife_activities_{verb}", summary,
        fetch=_get, act=service, reply=_detailed,
    )  # fmt: skip
action_route(
    router, f"{ACTIVITY}/cancel", Out, "orglife_activities_cancel", "取消活动", fetch=_get, payload=CancelIn,
    act=lambda user, a, p: services.cancel_activity(user, a, p.reason), reply=_detailed,
)  # fmt: skip
action_route(
    router, f"{ACTIVITY}/signup", SignupOut, "orglife_signup", "报名",
    fetch=_get, act=services.sign_up, reply=returned, status=201,
)  # fmt: skip
action_route(
    router, f"{ACTIVITY}/signup", SignupOut, "orglife_signup_cancel", "取消报名",
    fetch=_get, act=services.cancel_signup, reply=returned, method="delete",
)  # fmt: skip
list_route(
    router, f"{ACTIVITY}/signups", SignupOut, "orglife_signups_list", "报名与出席名单（组织者）",
    read=_signups,
)  # fmt: skip


@endpoint(router.post, "/checkin", SignupOut, "orglife_checkin", "扫码签到")
def checkin(request, payload: CheckinIn):
    return services.check_in(request.user, payload.token)


action_route(
    router, f"{ACTIVITY}/attendance", AttendanceOut, "orglife_attendance", "登记出席（按本组织党员）",
    fetch=_get, payload=AttendanceIn, reply=returned,
    act=lambda user, a, p: services.record_attendance(user, a, p.member_ids),
)  # fmt: skip
action_route(
    router, f"{ACTIVITY}/minutes", Out, "orglife_minutes", "保存会议记录", method="put",
    fetch=_get, payload=MinutesIn, act=lambda user, a, p: services.record_minutes(user, a, p.minutes),
    reply=_detailed,
)  # fmt: skip


@endpoint(
    router.get, "/branches/{code}/compliance", list[RuleHistoryOut], "orglife_branch_compliance",
    "支部组织生活落实情况（各规则各期）",
)  # fmt: skip
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


@endpoint(router.get, "/compliance", ComplianceOut, "orglife_compliance", "组织生活达标统计（范围内各支部）")
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
