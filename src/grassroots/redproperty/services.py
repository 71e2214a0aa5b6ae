"""Every write of 红色物业, each permission- and scope-checked, atomic and audited (one audit row per
state change). The election state machine (ELECTION_TRANSITIONS) is the one place saying which step may
follow which; a refused step raises ServiceError with a Chinese message and changes nothing."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import clean_text as _text
from grassroots.core.services import move_state as _move
from grassroots.core.services import require_action, require_managed, save_changes
from grassroots.regions.models import Region
from grassroots.regions.services import home_region
from grassroots.units.choices import PartyWork, UnitType
from grassroots.units.models import Unit

from . import grading
from .models import (
    CommitteeMember,
    CommitteeRole,
    ContractState,
    CrossPost,
    CrossPostBody,
    Election,
    ElectionState,
    Grade,
    Inspection,
    ListPublication,
    OwnersCommittee,
    PropertyCompany,
    Rating,
    ServiceContract,
    Takeover,
    TakeoverKind,
    active_contract_q,
)

VIEW, MANAGE, GRADE, RATE = "redproperty.view", "redproperty.manage", "redproperty.grade", "redproperty.rate"

E = ElectionState
# state -> action -> next state
ELECTION_TRANSITIONS: dict[str, dict[str, str]] = {
    E.PLANNED: {"nominate": E.NOMINATED},
    E.NOMINATED: {"elect": E.ELECTED, "fail": E.FAILED},
    E.ELECTED: {},
    E.FAILED: {},
}
ELECTION_ACTIONS = {"nominate": "确定候选人", "elect": "确认选举产生", "fail": "登记选举未成功"}
TERM_WARN_DAYS = 90  # 业委会 term end warning (the same horizon as ORG-6's term warning)


# --------------------------------------------------------------------------- helpers
def _date(value, label: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ServiceError(f"请填写{label}", field=label)
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(f"{label}格式不正确", field=label) from None


def _manage_region(user, region: Region | None, what: str = "小区") -> Region:
    if region is None or not covers(user, region, VIEW):
        raise NotFound(f"{what}不存在或不在您的管辖范围内")
    if not covers(user, region, MANAGE):
        raise PermissionDenied("没有维护红色物业的权限")
    return region


def _managed(user, obj) -> None:
    require_managed(user, obj, "没有维护红色物业的权限")


def _neighborhood(value) -> Region:
    if not isinstance(value, Region) or value.level != "neighborhood":
        raise ServiceError("请选择小区", field="neighborhood")
    return value


def _create(user, obj):
    obj.full_clean()
    obj.save()
    audit.record_create(user, obj)
    return obj


def _unit_for(user, *, unit: Unit | None, name: str, region: Region, unit_type: str) -> Unit:
    """The unit registering as a company or committee: an existing unit of the right type in scope, else
    a new one (name and region given)."""
    if unit is not None:
        if not covers(user, unit, "view"):
            raise NotFound("单位不存在或不在您的管辖范围内")
        if unit.type != unit_type:
            raise ServiceError(f"所选单位的类型不是“{UnitType(unit_type).label}”", field="unit")
        return unit
    name = _text(name, "名称", 100)
    if Unit.objects.filter(name=name, type=unit_type, region=region).exists():
        raise Conflict(f"{region.name}已登记名为“{name}”的单位，请直接选择该单位")
    unit = Unit(code=f"RP{uuid.uuid4().hex[:12].upper()}", name=name, type=unit_type, region=region)
    return _create(user, unit)


# --------------------------------------------------------------------------- companies, committees
@transaction.atomic
def register_company(
    user,
    *,
    region: Region | None,
    name: str = "",
    unit: Unit | None = None,
    credit_code: str = "",
    manager_name: str = "",
    manager_phone: str = "",
    is_state_owned: bool = False,
) -> PropertyCompany:
    """A property company registered in the street or community of its office (as a unit of type 物业)."""
    if unit is not None:
        region = unit.region
    levels = ("street", "community", "neighborhood") if unit is not None else ("street", "community")
    if region is None or region.level not in levels:
        raise ServiceError("请选择企业所在的街道或社区", field="region")
    _manage_region(user, region, "街道或社区")
    unit = _unit_for(user, unit=unit, name=name, region=region, unit_type=UnitType.PROPERTY)
    if PropertyCompany.objects.filter(unit=unit).exists():
        raise Conflict(f"“{unit.name}”已登记为物业服务企业")
    code = _text(credit_code, "统一社会信用代码", 18, required=False).upper()
    if code and len(code) != 18:
        raise ServiceError("统一社会信用代码应为 18 位", field="credit_code")
    company = PropertyCompany(
        unit=unit,
        credit_code=code,
        manager_name=_text(manager_name, "项目负责人", 50, required=False),
        manager_phone=_text(manager_phone, "负责人电话", 20, required=False),
        is_state_owned=bool(is_state_owned),
    )
    return _create(user, company)


@transaction.atomic
def register_committee(
    user,
    *,
    neighborhood: Region | None,
    name: str = "",
    unit: Unit | None = None,
    term_start=None,
    term_end=None,
) -> OwnersCommittee:
    """业委会 of a neighborhood (one per neighborhood), a unit of the neighborhood's community."""
    hood = _manage_region(user, _neighborhood(neighborhood))
    if OwnersCommittee.objects.filter(neighborhood=hood).exists():
        raise Conflict(f"{hood.name}已登记业委会")
    community = Region.objects.get(path=hood.path[: Region.steplen * 4])
    unit = _unit_for(
        user,
        unit=unit,
        name=name or f"{hood.name}业主委员会",
        region=community,
        unit_type=UnitType.OWNERS_COMMITTEE,
    )
    if OwnersCommittee.objects.filter(unit=unit).exists():
        raise Conflict(f"“{unit.name}”已登记为业委会")
    start, end = _date(term_start, "任期开始", required=False), _date(term_end, "任期届满", required=False)
    if start and end and end <= start:
        raise ServiceError("任期届满日期须晚于开始日期", field="term_end")
    return _create(user, OwnersCommittee(unit=unit, neighborhood=hood, term_start=start, term_end=end))


@transaction.atomic
def set_party_status(user, entity, *, party_org=None, instructor=None, party_work: str = "") -> Unit:
    """党建状态 of a company or committee, kept on its unit: the party organisation covering it (its own
    branch, a joint or an attached one) and the 党建指导员 sent to it."""
    _managed(user, entity)
    unit = Unit.objects.select_related("region").get(pk=entity.unit_id)
    if party_org is not None and not covers(user, party_org, "view"):
        raise NotFound("党组织不存在或不在您的管辖范围内")
    if instructor is not None and not covers(user, instructor, "view"):
        raise NotFound("党建指导员不存在或不在您的管辖范围内")
    work = party_work or (PartyWork.OWN_ORG if party_org is not None else PartyWork.NONE)
    if work not in PartyWork.values:
        raise ServiceError("党组织设置不正确", field="party_work")
    if work == PartyWork.NONE and party_org is not None:
        raise ServiceError("未建立党组织时不能指定党组织", field="party_org")
    if work != PartyWork.NONE and party_org is None:
        raise ServiceError("请选择覆盖该单位的党组织", field="party_org")
    before = audit.snapshot(unit)
    unit.party_work, unit.party_org, unit.instructor = work, party_org, instructor
    unit.full_clean()
    unit.save(update_fields=["party_work", "party_org", "instructor"])
    audit.record_update(user, unit, before)
    return unit


# --------------------------------------------------------------------------- committee members, elections
@transaction.atomic
def add_committee_member(
    user,
    committee: OwnersCommittee,
    *,
    name: str,
    role: str,
    term_start,
    term_end=None,
    phone: str = "",
    party_member=None,
) -> CommitteeMember:
    _managed(user, committee)
    if role not in CommitteeRole.values:
        raise ServiceError("请选择职务", field="role")
    if party_member is not None and not covers(user, party_member, "view"):
        raise NotFound("党员不存在或不在您的管辖范围内")
    start = _date(term_start, "任职开始")
    end = _date(term_end, "任职届满", required=False) or committee.term_end
    if end and end <= start:
        raise ServiceError("任职届满日期须晚于开始日期", field="term_end")
    if (
        role == CommitteeRole.DIRECTOR
        and committee.members.filter(role=CommitteeRole.DIRECTOR, left_on__isnull=True).exists()
    ):
        raise Conflict("该业委会已有在任主任，请先登记原主任离任")
    member = CommitteeMember(
        committee=committee,
        name=_text(name, "姓名", 50),
        phone=_text(phone, "联系电话", 20, required=False),
        role=role,
        party_member=party_member,
        term_start=start,
        term_end=end,
    )
    return _create(user, member)


@transaction.atomic
def member_leaves(user, member: CommitteeMember, *, left_on) -> CommitteeMember:
    _managed(user, member)
    if member.left_on:
        raise Conflict("该成员已离任")
    day = _date(left_on, "离任日期")
    if day < member.term_start:
        raise ServiceError("离任日期不能早于任职开始", field="left_on")
    return save_changes(user, member, left_on=day)


def _require(election: Election, action: str) -> str:
    return require_action(election, action, ELECTION_TRANSITIONS, ELECTION_ACTIONS, subject="选举")


@transaction.atomic
def plan_election(user, committee: OwnersCommittee, *, planned_on, term_years: int = 5) -> Election:
    _managed(user, committee)
    day = _date(planned_on, "计划选举日期")
    if committee.elections.filter(state__in=[E.PLANNED, E.NOMINATED]).exists():
        raise Conflict("该业委会已有进行中的选举")
    try:
        years = int(term_years)
    except (TypeError, ValueError):
        raise ServiceError("任期年数须为整数", field="term_years") from None
    if not 1 <= years <= 5:
        raise ServiceError("业委会任期为 1 至 5 年", field="term_years")
    return _create(user, Election(committee=committee, planned_on=day, term_years=years))


@transaction.atomic
def nominate(user, election: Election, *, nominees: str) -> Election:
    _managed(user, election)
    to = _require(election, "nominate")
    election.nominees = _text(nominees, "候选人", 1000)
    return _move(user, election, to, ["nominees"])


@transaction.atomic
def elect(user, election: Election, *, held_on, note: str = "") -> Election:
    """Elected: the committee's new term runs from the election day for the election's term years."""
    _managed(user, election)
    to = _require(election, "elect")
    day = _date(held_on, "选举日期")
    if day > timezone.localdate():
        raise ServiceError("选举日期不能晚于今天", field="held_on")
    election.held_on, election.note = day, _text(note, "结果说明", 300, required=False)
    _move(user, election, to, ["held_on", "note"])
    committee = election.committee
    before = audit.snapshot(committee)
    committee.term_start = day
    try:
        committee.term_end = day.replace(year=day.year + election.term_years) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        committee.term_end = day.replace(year=day.year + election.term_years, day=28)
    committee.save(update_fields=["term_start", "term_end"])
    audit.record_update(user, committee, before)
    return election


@transaction.atomic
def fail(user, election: Election, *, note: str) -> Election:
    _managed(user, election)
    to = _require(election, "fail")
    election.note = _text(note, "未成功原因", 300)
    election.held_on = election.held_on or timezone.localdate()
    return _move(user, election, to, ["note", "held_on"])


def term_warnings(qs, today=None):
    """Committees whose term ends within TERM_WARN_DAYS (or has ended) without an election under way."""
    today = today or timezone.localdate()
    return (
        qs.filter(term_end__isnull=False, term_end__lte=today + datetime.timedelta(days=TERM_WARN_DAYS))
        .exclude(elections__state__in=[E.PLANNED, E.NOMINATED])
        .select_related("unit", "neighborhood")
        .order_by("term_end")
    )


# --------------------------------------------------------------------------- contracts, cross posts
def _fee(value) -> Decimal:
    try:
        fee = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError("收费标准须为数字（元/㎡·月）", field="fee") from None
    if not fee.is_finite() or fee < 0 or fee >= 1000:
        raise ServiceError("收费标准须在 0 至 999.99 元/㎡·月之间", field="fee")
    return fee.quantize(Decimal("0.01"))


@transaction.atomic
def sign_contract(
    user, *, company: PropertyCompany | None, neighborhood: Region | None, start, end, fee, note: str = ""
) -> ServiceContract:
    hood = _manage_region(user, _neighborhood(neighborhood))
    if company is None or not covers(user, company, "view"):
        raise NotFound("物业服务企业不存在或不在您的管辖范围内")
    start, end = _date(start, "合同开始"), _date(end, "合同到期")
    if end < start:
        raise ServiceError("合同到期日期不能早于开始日期", field="end")
    overlap = ServiceContract.objects.filter(
        neighborhood=hood, state=ContractState.ACTIVE, start__lte=end, end__gte=start
    ).select_related("company__unit")
    clash = overlap.first()
    if clash is not None:
        raise Conflict(f"{hood.name}在该期间已有{clash.company.name}的履约合同（{clash.start}至{clash.end}）")
    committee = OwnersCommittee.objects.filter(neighborhood=hood).first()
    contract = ServiceContract(
        company=company,
        neighborhood=hood,
        committee=committee,
        start=start,
        end=end,
        fee=_fee(fee),
        note=_text(note, "备注", 200, required=False),
    )
    return _create(user, contract)


@transaction.atomic
def end_contract(user, contract: ServiceContract, *, terminate: bool, ended_on=None) -> ServiceContract:
    """到期 (on its end date) or 解约 (early, on `ended_on`)."""
    _managed(user, contract)
    if contract.state != ContractState.ACTIVE:
        raise ServiceError(f"合同当前为“{contract.get_state_display()}”，不能再终止", status=409)
    if terminate:
        day = _date(ended_on, "解约日期")
        if not contract.start <= day <= contract.end:
            raise ServiceError("解约日期须在合同期内", field="ended_on")
        to = ContractState.TERMINATED
    else:
        day, to = contract.end, ContractState.ENDED
    before = contract.state
    contract.state, contract.ended_on = to, day
    contract.save(update_fields=["state", "ended_on"])
    audit.record_transition(user, contract, before, to, ended_on=str(day))
    return contract


@transaction.atomic
def add_cross_post(
    user,
    *,
    member,
    committee: OwnersCommittee | None = None,
    company: PropertyCompany | None = None,
    role: str,
    start,
    end=None,
) -> CrossPost:
    """交叉任职: a community party member serving in a 业委会 or a property company."""
    if (committee is None) == (company is None):
        raise ServiceError("请选择任职的业委会或物业服务企业")
    where = committee or company
    _managed(user, where)
    if member is None or not covers(user, member, "view"):
        raise NotFound("党员不存在或不在您的管辖范围内")
    start, end = _date(start, "任职开始"), _date(end, "任职结束", required=False)
    if end and end < start:
        raise ServiceError("任职结束日期不能早于开始日期", field="end")
    region = committee.neighborhood if committee else company.unit.region
    if CrossPost.objects.filter(
        member=member, committee=committee, company=company, end__isnull=True
    ).exists():
        raise Conflict(f"{member.name}已在{where.name}任职")
    post = CrossPost(
        member=member,
        body=CrossPostBody.COMMITTEE if committee else CrossPostBody.COMPANY,
        committee=committee,
        company=company,
        region=region,
        role=_text(role, "职务", 50),
        start=start,
        end=end,
    )
    return _create(user, post)


@transaction.atomic
def end_cross_post(user, post: CrossPost, *, end) -> CrossPost:
    _managed(user, post)
    if post.end:
        raise Conflict("该任职已结束")
    day = _date(end, "任职结束")
    if day < post.start:
        raise ServiceError("任职结束日期不能早于开始日期", field="end")
    return save_changes(user, post, end=day)


# --------------------------------------------------------------------------- ratings, inspections
def home_neighborhood(user) -> Region | None:
    """The neighborhood a resident lives in (their resident household, else their member residence)."""
    return home_region(user, "neighborhood")


def current_company(neighborhood: Region, today=None) -> PropertyCompany | None:
    contract = (
        ServiceContract.objects.filter(
            active_contract_q(today or timezone.localdate()), neighborhood=neighborhood
        )
        .select_related("company__unit")
        .first()
    )
    return contract.company if contract else None


def rate(user, *, stars, comment: str = "") -> Rating:
    """A resident rates the company serving their neighborhood, once a year (the database decides)."""
    if not has_perm(user, RATE):
        raise PermissionDenied("没有评价物业服务的权限")
    hood = home_neighborhood(user)
    if hood is None:
        raise ServiceError("未找到您登记的住址，请先在社区登记住户信息", status=409)
    company = current_company(hood)
    if company is None:
        raise ServiceError(f"{hood.name}目前没有物业服务企业", status=409)
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        raise ServiceError("请选择 1 至 5 星", field="stars") from None
    if not 1 <= stars <= 5:
        raise ServiceError("请选择 1 至 5 星", field="stars")
    profile = getattr(user, "resident_profile", None)
    year = timezone.localdate().year
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                company=company,
                neighborhood=hood,
                household=getattr(profile, "household", None) if profile else None,
                user=user,
                year=year,
                stars=stars,
                comment=_text(comment, "意见", 300, required=False),
            )
            audit.record_create(user, rating)
    except IntegrityError:
        raise Conflict(f"您今年已评价过{company.name}，每年可评价一次") from None
    return rating


@transaction.atomic
def inspect(
    user,
    *,
    company: PropertyCompany | None,
    neighborhood: Region | None,
    inspected_on,
    score,
    findings: str = "",
) -> Inspection:
    """A street or community inspection of a company's service in a neighborhood it serves."""
    hood = _manage_region(user, _neighborhood(neighborhood))
    if company is None or not ServiceContract.objects.filter(company=company, neighborhood=hood).exists():
        raise ServiceError("该企业没有服务这个小区的合同", field="company")
    day = _date(inspected_on, "检查日期")
    if day > timezone.localdate():
        raise ServiceError("检查日期不能晚于今天", field="inspected_on")
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ServiceError("检查得分须为 0 至 100 的整数", field="score") from None
    if not 0 <= score <= 100:
        raise ServiceError("检查得分须为 0 至 100 的整数", field="score")
    inspection = Inspection(
        company=company,
        neighborhood=hood,
        inspected_on=day,
        score=score,
        findings=_text(findings, "发现问题", 500, required=False),
        inspector=user,
        inspector_name=(user.display_name or user.username)[:50],
    )
    return _create(user, inspection)


# --------------------------------------------------------------------------- grades, red/black list
def _district(user, district: Region | None, perm: str) -> Region:
    if district is None or district.level != "district":
        raise ServiceError("请选择区", field="district")
    if not covers(user, district, VIEW):
        raise NotFound("区不存在或不在您的管辖范围内")
    if not covers(user, district, perm):
        raise PermissionDenied("没有评定物业等级、发布红黑榜的权限")
    return district


def _year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError("年度不正确", field="year") from None
    if not 2000 <= year <= timezone.localdate().year:
        raise ServiceError("年度不正确", field="year")
    return year


@transaction.atomic
def compute_grades(user, *, district: Region | None, year) -> list[Grade]:
    """Grades every company registered in the district for the year (grading.py); recomputing replaces
    the year's grades (each change audited) until the district's list is published."""
    district = _district(user, district, GRADE)
    year = _year(year)
    if ListPublication.objects.filter(district=district, year=year).exists():
        raise Conflict(f"{district.name}{year}年度红黑榜已发布，等级不再重新计算")
    existing = {
        g.company_id: g
        for g in Grade.objects.filter(year=year, company__unit__region__path__startswith=district.path)
    }
    out = []
    for company, values in grade_values(district, year):
        values["computed_at"] = timezone.now()
        grade = existing.get(company.pk)
        if grade is None:
            grade = Grade.objects.create(company=company, year=year, **values)
            audit.record_create(user, grade)
        else:
            before = audit.snapshot(grade)
            for k, v in values.items():
                setattr(grade, k, v)
            grade.save()
            audit.record_update(user, grade, before)
        out.append(grade)
    return out


def grade_values(district: Region, year: int) -> list[tuple[PropertyCompany, dict]]:
    """The grade fields of every company registered in the district for the year (no writes)."""
    companies = list(
        PropertyCompany.objects.filter(unit__region__path__startswith=district.path).select_related("unit")
    )
    p = grading.params()
    inputs = grading.collect(companies, year)
    out = []
    for company in companies:
        inp = inputs[company.pk]
        parts = grading.components(inp, p)
        score = grading.total(parts, p)
        out.append(
            (
                company,
                {
                    "district": district,
                    "households": inp.households,
                    "cases": len(inp.case_ids),
                    "resolved": inp.resolved,
                    "on_time": inp.on_time,
                    "evaluations": len(inp.eval_points),
                    "ratings": len(inp.stars),
                    "inspections": len(inp.inspection_scores),
                    "volume_score": parts["volume"],
                    "ontime_score": parts["ontime"],
                    "satisfaction_score": parts["satisfaction"],
                    "rating_score": parts["rating"],
                    "inspection_score": parts["inspection"],
                    "score": score,
                    "grade": grading.grade_of(score, p),
                },
            )
        )
    return out


def list_entries(grades) -> tuple[list[dict], list[dict]]:
    """(红榜, 黑榜) of a district's grades: A best first, D worst first."""

    def entry(g):
        return {"company_id": g.company_id, "name": g.company.name, "score": str(g.score), "grade": g.grade}

    red = sorted((g for g in grades if g.grade == "A"), key=lambda g: (-g.score, g.company.name))
    black = sorted((g for g in grades if g.grade == "D"), key=lambda g: (g.score, g.company.name))
    return [entry(g) for g in red], [entry(g) for g in black]


@transaction.atomic
def publish_list(user, *, district: Region | None, year) -> ListPublication:
    district = _district(user, district, GRADE)
    year = _year(year)
    grades = list(Grade.objects.filter(district=district, year=year).select_related("company__unit"))
    if not grades:
        raise ServiceError(f"{district.name}{year}年度还没有评定物业等级，请先计算等级", status=409)
    red, black = list_entries(grades)
    try:
        with transaction.atomic():
            pub = ListPublication.objects.create(
                district=district, year=year, red=red, black=black, published_by=user
            )
    except IntegrityError:
        raise Conflict(f"{district.name}{year}年度红黑榜已发布") from None
    audit.record_create(user, pub)
    return pub


# --------------------------------------------------------------------------- takeovers
@transaction.atomic
def record_takeover(
    user,
    *,
    neighborhood: Region | None,
    kind: str,
    start,
    company: PropertyCompany | None = None,
    note: str = "",
) -> Takeover:
    """A neighborhood without property management taken over: by a state-owned company (国企兜底), in
    the custody of the street and community (街道托管) or by residents' self-governance."""
    hood = _manage_region(user, _neighborhood(neighborhood))
    if kind not in TakeoverKind.values:
        raise ServiceError("请选择兜底方式", field="kind")
    start = _date(start, "接管日期")
    if kind == TakeoverKind.STATE_COMPANY:
        if company is None or not covers(user, company, "view"):
            raise ServiceError("国企兜底须选择接管的国有物业企业", field="company")
        if not company.is_state_owned:
            raise ServiceError(f"{company.name}不是国有物业企业", field="company")
    elif company is not None:
        raise ServiceError("只有国企兜底需要选择接管企业", field="company")
    if ServiceContract.objects.filter(active_contract_q(start), neighborhood=hood).exists():
        raise Conflict(f"{hood.name}在{start}有履约中的物业服务合同，无需兜底")
    if Takeover.objects.filter(neighborhood=hood, end__isnull=True).exists():
        raise Conflict(f"{hood.name}已在兜底接管中")
    takeover = Takeover(
        neighborhood=hood,
        kind=kind,
        company=company,
        start=start,
        note=_text(note, "说明", 200, required=False),
    )
    return _create(user, takeover)


@transaction.atomic
def end_takeover(user, takeover: Takeover, *, end) -> Takeover:
    _managed(user, takeover)
    if takeover.end:
        raise Conflict("该兜底接管已结束")
    day = _date(end, "结束日期")
    if day < takeover.start:
        raise ServiceError("结束日期不能早于接管日期", field="end")
    before = audit.snapshot(takeover)
    takeover.end = day
    takeover.save(update_fields=["end"])
    audit.record_update(user, takeover, before)
    return takeover
