"""One filter declaration per list (core/listfilters.py): the page, the API and the Excel export of a list
filter the same rows for every filter and value, a bad value is refused with the same Chinese message by
page and API, and a filter added to a declaration appears in all three without touching them."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.cases.models import Handler
from grassroots.cobuild.filters import ItemFilters, ResolutionFilters
from grassroots.cobuild.models import Committee, Meeting, Need, Resolution
from grassroots.core import listfilters as lf
from grassroots.emergency.filters import EmergencyFilters
from grassroots.emergency.models import Emergency
from grassroots.merit.filters import RatingFilters
from grassroots.merit.models import StarRating
from grassroots.onewindow.filters import ApplicationFilters
from grassroots.onewindow.models import Application, ServiceItem
from grassroots.orglife.filters import OrglifeActivityFilters
from grassroots.orglife.models import Activity
from grassroots.party.choices import OrgKind
from grassroots.party.filters import MemberFilters, OrgFilters, TransferFilters
from grassroots.party.models import Member, PartyOrg, Transfer
from grassroots.people.filters import DeputyFilters, StewardFilters, WorkerFilters
from grassroots.people.models import Deputy, Steward, Worker
from grassroots.recruitment.filters import CandidateFilters
from grassroots.recruitment.models import Candidate
from grassroots.regions.filters import HouseholdFilters
from grassroots.regions.models import Household, Region
from grassroots.standards.filters import BranchHealthFilters, EvaluationFilters
from grassroots.standards.models import BranchHealth, Evaluation, HealthRun
from grassroots.units.filters import InstructorFilters, UnitFilters
from grassroots.units.models import Instructor, Unit
from grassroots.venues.filters import BookingFilters, CenterFilters
from grassroots.venues.models import Booking, Room, ServiceCenter
from grassroots.volunteers.filters import WishFilters
from grassroots.volunteers.models import Wish
from grassroots.whistle.filters import SummonsFilters
from grassroots.whistle.models import Summons
from tests.factories import add_candidate

pytestmark = pytest.mark.django_db


@dataclass
class ListUnderTest:
    filters: type[lf.ListFilters]
    model: type
    page: str  # URL name of the page
    api: str  # URL of the API list
    key: str  # attribute that names a row on the page and in the API
    column: str  # the export column holding the same value


LISTS = [
    ListUnderTest(UnitFilters, Unit, "units:list", "/api/v1/units/", "code", "单位编码"),
    ListUnderTest(
        InstructorFilters, Instructor, "units:instructors", "/api/v1/units/instructors/", "name", "姓名"
    ),
    ListUnderTest(OrgFilters, PartyOrg, "party:orgs", "/api/v1/party/orgs/", "code", "组织编码"),
    ListUnderTest(MemberFilters, Member, "party:members", "/api/v1/party/members/", "name", "姓名"),
    ListUnderTest(
        TransferFilters, Transfer, "party:transfers_in", "/api/v1/party/transfers/", "letter_no", "介绍信编号"
    ),
    ListUnderTest(
        HouseholdFilters, Household, "regions:households", "/api/v1/regions/households/", "note", "备注"
    ),
    ListUnderTest(
        OrglifeActivityFilters, Activity, "orglife:list", "/api/v1/orglife/activities/", "title", "标题"
    ),
    ListUnderTest(
        CandidateFilters, Candidate, "recruitment:list", "/api/v1/recruitment/candidates/", "name", "姓名"
    ),
    ListUnderTest(WishFilters, Wish, "volunteers:wishes", "/api/v1/volunteers/wishes/", "title", "心愿"),
    ListUnderTest(
        RatingFilters, StarRating, "merit:ratings", "/api/v1/merit/ratings/", "adjust_reason", "调整理由"
    ),
    ListUnderTest(
        CenterFilters, ServiceCenter, "venues:centers", "/api/v1/venues/centers/", "code", "阵地编码"
    ),
    ListUnderTest(
        BookingFilters, Booking, "venues:bookings", "/api/v1/venues/bookings/", "title", "活动名称"
    ),
    ListUnderTest(SummonsFilters, Summons, "whistle:list", "/api/v1/whistle/", "number", "编号"),
    ListUnderTest(
        EvaluationFilters,
        Evaluation,
        "standards:evaluations",
        "/api/v1/standards/evaluations",
        "period",
        "年度",
    ),
    ListUnderTest(
        BranchHealthFilters,
        BranchHealth,
        "standards:branch_health",
        "/api/v1/standards/branches",
        "score",
        "得分",
    ),
    ListUnderTest(EmergencyFilters, Emergency, "emergency:list", "/api/v1/emergency/", "number", "编号"),
    ListUnderTest(ItemFilters, Need, "cobuild:needs", "/api/v1/cobuild/needs/", "title", "需求"),
    ListUnderTest(
        ResolutionFilters, Resolution, "cobuild:resolutions", "/api/v1/cobuild/resolutions/", "issue", "议题"
    ),
    ListUnderTest(
        ApplicationFilters,
        Application,
        "onewindow:list",
        "/api/v1/onewindow/applications",
        "number",
        "受理编号",
    ),
    ListUnderTest(WorkerFilters, Worker, "people:workers", "/api/v1/people/workers/", "code", "工号"),
    ListUnderTest(StewardFilters, Steward, "people:stewards", "/api/v1/people/stewards/", "name", "姓名"),
    ListUnderTest(DeputyFilters, Deputy, "people:deputies", "/api/v1/people/deputies/", "name", "姓名"),
]


@pytest.fixture
def world(city, make_user, token_for):
    Instructor.objects.create(
        name="王指导", phone="13900000001", region=city.communities[0], org=city.branches[0]
    )
    Instructor.objects.create(
        name="李指导", phone="13900000002", region=city.communities[2], org=city.branches[2]
    )
    Unit.objects.filter(pk=city.units[1].pk).update(
        type="private", party_work="attached", party_org=city.branches[1]
    )
    Deputy.objects.create(name="赵代表", kind="npc", level="district", region=city.communities[0])
    Deputy.objects.create(name="钱委员", kind="cppcc", level="city", region=city.communities[3])
    Steward.objects.create(name="孙楼长", role="building", region=city.communities[1])
    Worker.objects.filter(pk=city.workers[0].pk).update(
        grade=7, qualification="assistant", education="bachelor"
    )
    Transfer.objects.create(
        letter_no="JS-001",
        state="issued",
        member=city.members[0],
        person_name=city.members[0].name,
        from_org=city.branches[0],
        to_org=city.branches[1],
        issued_on=datetime.date(2024, 1, 2),
        deadline=datetime.date(2024, 3, 1),
    )
    Transfer.objects.create(
        letter_no="JS-002", kind="in", person_name="吴外来", to_org=city.branches[2], outside_org_name="外省"
    )
    for i, h in enumerate(Household.objects.order_by("pk")):
        Household.objects.filter(pk=h.pk).update(note=f"住户{i}", tags=",veteran," if i == 0 else "")
    for org, kind, title, day in (
        (
            city.branches[0],
            "theme_day",
            "主题党日学习",
            datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC),
        ),
        (
            city.branches[3],
            "party_lecture",
            "专题党课",
            datetime.datetime(2025, 6, 1, 9, tzinfo=datetime.UTC),
        ),
    ):
        Activity.objects.create(
            kind=kind,
            title=title,
            party_org=org,
            region=org.region,
            place="党群服务中心",
            starts_at=day,
            ends_at=day + datetime.timedelta(hours=1),
            status="done" if kind == "theme_day" else "plan",
        )
    user = make_user("filters_admin", "city_admin", city.city)
    for region, title, state, due in (
        (city.communities[0], "想要一台收音机", "claimed", timezone.now() - datetime.timedelta(days=1)),
        (city.communities[2], "辅导作业", "published", None),
    ):
        Wish.objects.create(
            region=region,
            title=title,
            category="study" if due is None else "daily",
            beneficiary_name="王秀英",
            state=state,
            claim_due_at=due,
            posted_by=user,
        )
    for org, year, stars, state in (
        (city.branches[0], 2024, 4, "proposed"),
        (city.branches[3], 2025, 2, "published"),
    ):
        StarRating.objects.create(
            org=org,
            year=year,
            computed_stars=stars,
            stars=stars,
            state=state,
            adjust_reason=f"评定{org.code}",
        )
    now = timezone.now()
    for i, (community, level, state, start) in enumerate(
        (
            (city.communities[0], "community", "confirmed", now - datetime.timedelta(days=2)),
            (city.communities[3], "outpost", "pending", now + datetime.timedelta(days=2)),
        )
    ):
        center = ServiceCenter.objects.create(
            code=f"ZD{i}",
            name=f"阵地{i}",
            level=level,
            region=community,
            owner_unit=city.units[0] if i else None,
        )
        room = Room.objects.create(center=center, name=f"活动室{i}")
        Booking.objects.create(
            room=room,
            start=start,
            end=start + datetime.timedelta(hours=2),
            state=state,
            booker=user,
            booker_kind="member" if i else "resident",
            title=f"预约活动{i}",
        )
    for number, community, urgency, escalated in (
        ("CS-0001", city.communities[0], "urgent", now),
        ("CS-0002", city.communities[3], "normal", None),
    ):
        Summons.objects.create(
            number=number,
            subject=f"事由{number}",
            description="说明",
            region=community,
            level="community",
            urgency=urgency,
            state="escalated" if escalated else "open",
            escalated_at=escalated,
            created_by=user,
        )
    Evaluation.objects.create(period=2024, region=city.communities[0], level="community", grade="优秀")
    Evaluation.objects.create(period=2025, region=city.streets[1], level="street", state="review")
    run = HealthRun.objects.create(trigger="manual", state="done", finished_at=now)
    BranchHealth.objects.create(
        run=run,
        org=city.branches[0],
        score=40,
        light="red",
        findings=[{"rule": "ORG-9", "object": "支部", "message": "未按期换届"}],
    )
    BranchHealth.objects.create(run=run, org=city.branches[3], score=95, light="green")
    for number, region, kind, state in (
        ("YJ-0001", city.streets[0], "flood", "active"),
        ("YJ-0002", city.communities[3], "fire", "declared"),
    ):
        Emergency.objects.create(
            number=number, title=f"应急{number}", kind=kind, severity="3", region=region, state=state
        )
    Need.objects.create(title="活动场地", category="venue", community=city.communities[0])
    Need.objects.create(title="助老服务", category="service", community=city.communities[3], state="claimed")
    for i, community in enumerate((city.communities[0], city.communities[3])):
        committee = Committee.objects.create(name=f"联席会{i}", community=community, place="会议室")
        meeting = Meeting.objects.create(committee=committee, starts_at=now, place="会议室", theme="议事")
        Resolution.objects.create(
            meeting=meeting,
            issue=f"议题{i}",
            decision="决议" if i else "",
            due=timezone.localdate() - datetime.timedelta(days=1) if i else None,
        )
    dept = Handler.objects.create(kind="department", name="区民政局", region=city.district)
    item = ServiceItem.objects.create(
        region=city.district, name="高龄津贴申领", department=dept, time_limit_days=5
    )
    for number, community, channel, state in (
        ("YC-0001", city.communities[0], "window", "received"),
        ("YC-0002", city.communities[3], "door", "done"),
    ):
        Application.objects.create(
            number=number,
            community=community,
            item=item,
            department=dept,
            channel=channel,
            state=state,
            due_at=now - datetime.timedelta(days=1),
        )
    add_candidate(city.branches[0], "周申请", datetime.date(2020, 3, 2))  # the talk is long overdue
    add_candidate(city.branches[2], "郑新人", timezone.localdate() - datetime.timedelta(days=3))
    page = Client()
    page.force_login(user)
    return user, page, token_for(user)


def page_rows(page, spec: ListUnderTest, params: dict) -> tuple[int, list[str]]:
    r = page.get(reverse(spec.page), {**params, "page": 1})
    rows = (
        [str(getattr(o, spec.key)) for o in r.context["page_obj"].paginator.object_list] if r.context else []
    )
    return r.status_code, sorted(rows)


def api_rows(token, spec: ListUnderTest, params: dict) -> tuple[int, list[str]]:
    r = Client().get(spec.api, {**params, "limit": 200}, HTTP_AUTHORIZATION=f"Bearer {token}")
    if r.status_code != 200:
        return r.status_code, [r.json()["detail"]]
    return 200, sorted(str(i[spec.key]) for i in r.json()["items"])


def export_rows(page, spec: ListUnderTest, params: dict) -> tuple[int, list[str]]:
    r = page.get(reverse(spec.page), {**params, "export": "xlsx"})
    if r.status_code != 200:
        return r.status_code, []
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if spec.column in row)
    col = rows[header_at].index(spec.column)
    return 200, sorted(str(row[col]) for row in rows[header_at + 1 :] if row[col] not in (None, ""))


def samples(spec: ListUnderTest, name: str, f: lf.ListFilter, user) -> list[str]:
    """Values worth trying for one filter, read from the data so a new filter needs no new test."""
    parser = f.parse_as if isinstance(f, lf.Custom) and f.parse_as is not None else f
    if isinstance(parser, lf.Choice):
        return [str(v) for v in parser.choices.values]
    if isinstance(parser, lf.Options):
        return list(parser.options)
    if isinstance(parser, lf.Integer):
        first = spec.model.objects.visible_to(user).order_by("pk").first()
        return [str(getattr(first, parser.lookup)), str(parser.max_value)]
    if isinstance(parser, lf.Flag):
        return ["true", "false"]
    if isinstance(parser, lf.DateBound):
        return ["2020-01-01", "2099-12-31"]
    if isinstance(parser, lf.Subtree):
        nodes = parser.model().objects.visible_to(user).order_by("path")
        return [n.code for n in nodes[1:4]] + ["NO-SUCH-CODE"]
    first = spec.model.objects.visible_to(user).order_by("pk").first()
    path = f.fields[0] if isinstance(f, lf.Search) else f.lookup
    value = first
    for part in path.split("__"):  # through relations ("member__name"), up to a lookup ("icontains")
        if not hasattr(value, part):
            break
        value = getattr(value, part)
    return [str(value)[:2], "zz-none"]


@pytest.mark.parametrize("spec", LISTS, ids=lambda s: s.page)
def test_page_api_and_export_filter_the_same_rows(world, spec):
    user, page, token = world
    _, everything = page_rows(page, spec, {})
    assert everything, "the list under test has rows"
    narrowed = 0
    for name, f in spec.filters.fields.items():
        for i, value in enumerate(samples(spec, name, f, user)):
            params = {name: value}
            on_page = page_rows(page, spec, params)
            assert on_page[0] == 200, (name, value)
            assert api_rows(token, spec, params) == on_page, (name, value)
            if i == 0:  # the export is the page's own query: one value per filter shows it is applied
                assert export_rows(page, spec, params) == on_page, (name, value)
            narrowed += on_page[1] != everything
    assert narrowed, "at least one filter value narrows the list"


@pytest.mark.parametrize("spec", LISTS, ids=lambda s: s.page)
def test_every_filter_is_on_the_page_form_and_in_the_api_schema(world, spec):
    user, page, token = world
    html = page.get(reverse(spec.page)).content.decode()
    schema = Client().get("/api/v1/openapi.json").json()
    api_path = "/api/v1" + spec.api.removeprefix("/api/v1")
    params = {p["name"] for p in schema["paths"][api_path]["get"]["parameters"]}
    for name in spec.filters.fields:
        assert f'name="{name}"' in html, name
        assert name in params, name


def test_a_bad_value_is_refused_alike_by_page_api_and_export(world):
    user, page, token = world
    spec = LISTS[0]
    r = page.get(reverse(spec.page), {"region": "x" * 30})
    assert r.status_code == 400
    assert "区域过长（最多 24 个字符）" in r.content.decode()
    assert r.context["page_obj"].paginator.count == 0
    r = page.get(reverse(spec.page), {"type": "spaceship"})
    assert r.status_code == 400 and "单位类型“spaceship”不在可选范围内" in r.content.decode()
    assert page.get(reverse(spec.page), {"type": "spaceship", "export": "xlsx"}).status_code == 400
    # The API types the parameter from the same declaration (422 for a value outside the enumeration).
    r = Client().get(spec.api, {"type": "spaceship"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 422 and r.json()["errors"]["type"] == ["取值不在允许范围内"]


def test_a_region_out_of_sight_gives_no_rows_not_an_error(city, make_user, client_for):
    street_admin = make_user("sa", "street_admin", city.streets[0])
    other = city.communities[3]  # under the other street
    r = client_for(street_admin).get(reverse("units:list"), {"region": other.code})
    assert r.status_code == 200 and r.context["page_obj"].paginator.count == 0
    ok = Region.objects.get(pk=city.communities[0].pk)
    r = client_for(street_admin).get(reverse("units:list"), {"region": ok.code})
    assert {u.code for u in r.context["page_obj"].object_list} == {city.units[0].code}


def test_a_filter_added_to_the_declaration_appears_on_page_api_and_export(world, monkeypatch):
    """Adding `industry` once (here at run time) is enough: the page's form shows it, and the page, the
    API and the export all narrow by it."""
    user, page, token = world
    Unit.objects.filter(pk=world_unit(user).pk).update(industry="物流")
    industry = lf.Text("行业", "industry__icontains")
    industry.__set_name__(UnitFilters, "industry")
    monkeypatch.setitem(UnitFilters.fields, "industry", industry)
    spec = LISTS[0]
    expected = sorted(Unit.objects.filter(industry__icontains="物流").values_list("code", flat=True))
    assert len(expected) == 1
    assert 'name="industry"' in page.get(reverse(spec.page)).content.decode()
    assert page_rows(page, spec, {"industry": "物流"}) == (200, expected)
    assert api_rows(token, spec, {"industry": "物流"}) == (200, expected)
    assert export_rows(page, spec, {"industry": "物流"}) == (200, expected)


def world_unit(user) -> Unit:
    return Unit.objects.visible_to(user).order_by("pk").first()


def test_parsing_messages():
    assert lf.Flag("在职党员").parse("TRUE") is True
    with pytest.raises(ValueError, match="在职党员只能是 true 或 false"):
        lf.Flag("在职党员").parse("maybe")
    with pytest.raises(ValueError, match="应为 YYYY-MM-DD"):
        lf.DateBound("起始日期", "on__gte").parse("2024/01/01")
    assert lf.Integer("年度", "year", min_value=2000, max_value=2100).parse("2024") == 2024
    with pytest.raises(ValueError, match="年度应为整数"):
        lf.Integer("年度", "year").parse("二〇二四")
    with pytest.raises(ValueError, match="年度应在 2000 到 2100 之间"):
        lf.Integer("年度", "year", min_value=2000, max_value=2100).parse("1999")
    years = type(
        "F", (lf.ListFilters,), {"year": lf.Integer("年度", form_choices=lambda: [(2026, "2026 年")])}
    )
    form = years.form_class()()
    assert list(form.fields["year"].choices) == [("", "全部"), (2026, "2026 年")]
    named = lf.Choice("类型", OrgKind, api_name="PartyOrgKind")  # its own OpenAPI component name
    assert named.api_type.__name__ == "PartyOrgKind" and [e.value for e in named.api_type] == OrgKind.values
    assert named.parse("branch") == "branch"
    with pytest.raises(ValueError, match="过长"):
        lf.Text("姓名", "name").parse("长" * 51)
