"""The world of the matrix: the `build_city()` city plus one user per subject.

Community A = city.communities[0] (团岛社区, street 0); community B = city.communities[2] (四方路社区,
street 1). In-scope objects belong to A, out-of-scope objects to B.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client

from grassroots.accounts.models import ApiToken, ResidentProfile, Role, RoleAssignment, User
from grassroots.core.crypto import lookup_hash
from tests.factories import build_city

# role -> function of the city giving the scope node (None = own records only)
SCOPES = {
    "city_admin": lambda c: c.city,
    "district_admin": lambda c: c.district,
    "street_admin": lambda c: c.streets[0],
    "community_admin": lambda c: c.communities[0],
    "grid_worker": lambda c: c.communities[0],
    "department_handler": lambda c: c.communities[0],
    "unit_liaison": lambda c: c.community_orgs[0],
    "party_member": lambda c: None,
    "resident": lambda c: None,
    "auditor": lambda c: c.city,
    "system_admin": lambda c: c.city,
    "security_admin": lambda c: c.city,
}


def build_world() -> SimpleNamespace:
    from grassroots.party.models import PartyOrg

    c = build_city()
    w = SimpleNamespace(**c.__dict__)
    w.A, w.B = c.communities[0], c.communities[2]
    w.users, w.tokens, w.cookies = {}, {}, {}
    # B's objects: community index 2 -> members 6..8, households 4..5, units/workers/orgs [2]
    w.member_a, w.member_b = c.members[0], c.members[6]
    w.household_a, w.household_b = c.households[0], c.households[4]
    w.unit_a, w.unit_b = c.units[0], c.units[2]
    w.worker_a, w.worker_b = c.workers[0], c.workers[2]
    w.org_a, w.org_b = c.community_orgs[0], c.community_orgs[2]
    w.branch_a, w.branch_b = c.branches[0], c.branches[2]
    for code, scope in list(SCOPES.items()) + [("nobody", None)]:
        user = User.objects.create_user(username=f"m_{code}", password=None)
        if code != "nobody":
            node = scope(c)
            kw = {"party_org": node} if isinstance(node, PartyOrg) else {"region": node}
            RoleAssignment.objects.create(user=user, role=Role.objects.get(code=code), **kw)
        w.users[code] = user
        _t, w.tokens[code] = ApiToken.issue(user, name="matrix")
        client = Client()
        client.force_login(user)
        w.cookies[code] = client.cookies
    _add_people_and_grids(w)
    # A managed account in each community (user management pages).
    w.user_a = w.users["grid_worker"]
    w.user_b = User.objects.create_user(username="m_worker_b", password=None)
    RoleAssignment.objects.create(user=w.user_b, role=Role.objects.get(code="grid_worker"), region=w.B)
    w.assignment_a = w.user_a.assignments.get()
    w.assignment_b = w.user_b.assignments.get()
    w.user_b_reporter = User.objects.create_user(username="m_resident_b", password=None)
    RoleAssignment.objects.create(user=w.user_b_reporter, role=Role.objects.get(code="resident"))
    # Excel import jobs belong to their uploader only.
    from grassroots.core.models import ImportJob

    w.job_a = ImportJob.objects.create(
        user=w.users["community_admin"], kind="regions", original_name="a.xlsx", stored_name="matrix-a"
    )
    w.job_b = ImportJob.objects.create(
        user=w.user_b, kind="regions", original_name="b.xlsx", stored_name="matrix-b"
    )
    # Own records: the party member is members[0]; the resident is linked to households[0].
    w.member_a.user = w.users["party_member"]
    w.member_a.save(update_fields=["user"])
    ResidentProfile.objects.create(
        user=w.users["resident"],
        phone_hash=lookup_hash("13900000001"),
        phone_masked="139****0001",
        household=w.household_a,
    )
    _add_cases(w)
    _add_attachments(w)
    _add_whistles(w)
    _add_venues(w)
    _add_orglife(w)
    _add_volunteers(w)
    _add_linkage(w)
    w.token_a = ApiToken.objects.filter(user=w.users["community_admin"]).first()
    return w


def _square(k: int, x0: float = 0.0, x1: float = 0.005) -> dict:
    """Part of community k's square [120.30 + k/100, +0.01] x [36.06, 36.07]; grid 001 is the left half."""
    x, y = 120.30 + k * 0.01, 36.06
    a, b = x + x0, x + x1
    return {"type": "Polygon", "coordinates": [[[a, y], [b, y], [b, y + 0.01], [a, y + 0.01], [a, y]]]}


def _add_people_and_grids(w) -> None:
    """Objects build_city() doesn't make, one in A and one in B: instructors, stewards, deputies,
    seats, grids with a worker assigned."""
    from grassroots.core.models import ImportJob  # noqa: F401
    from grassroots.grids.models import Grid, GridAssignment
    from grassroots.party.models import PartyOrg, Seat
    from grassroots.people.models import Deputy, Steward
    from grassroots.regions.models import Region
    from grassroots.units.models import Instructor

    for tag, community, org, worker, k in (
        ("a", w.A, w.org_a, w.worker_a, 0),
        ("b", w.B, w.org_b, w.worker_b, 2),
    ):
        hood = Region.objects.get_children(community).first()
        setattr(w, f"hood_{tag}", hood)
        setattr(
            w,
            f"entrance_{tag}",
            Region.objects.filter(path__startswith=community.path, level="entrance").first(),
        )
        setattr(
            w,
            f"instructor_{tag}",
            Instructor.objects.create(name=f"指导员{tag}", phone="13700000001", region=community),
        )
        setattr(
            w,
            f"steward_{tag}",
            Steward.objects.create(
                name=f"小区长{tag}", role="neighborhood", region=hood, phone="13700000002"
            ),
        )
        setattr(
            w,
            f"deputy_{tag}",
            Deputy.objects.create(name=f"代表{tag}", kind="npc", level="district", region=community),
        )
        setattr(w, f"seat_{tag}", Seat.objects.create(org=org, post="member", holder_name=f"委员{tag}"))
        grid = Grid.objects.create(
            region=community,
            code=f"{community.code}001",
            name=f"{community.name}第1网格",
            polygon=_square(k),
            area_m2=1.0,
            lng=120.305 + k * 0.01,
            lat=36.065,
        )
        setattr(w, f"grid_{tag}", grid)
        community.polygon = _square(k, 0, 0.01)
        community.save(update_fields=["polygon"])
        building = Region.objects.filter(path__startswith=community.path, level="building").first()
        spare = Region.objects.add_child(
            building, create_kwargs={"code": building.code + "009", "name": "9单元", "level": "entrance"}
        )
        setattr(w, f"spare_entrance_{tag}", spare)
        branch = w.branch_a if tag == "a" else w.branch_b
        spare_org = PartyOrg.objects.add_child(
            org,
            create_kwargs={
                "code": f"{org.code}-9",
                "name": "第九党支部",
                "kind": "branch",
                "region": community,
            },
        )
        setattr(w, f"spare_org_{tag}", spare_org)
        assert branch
        setattr(
            w,
            f"grid_assignment_{tag}",
            GridAssignment.objects.create(grid=grid, worker=worker, role="worker"),
        )


def _add_cases(w) -> None:
    """A case reported in A by the matrix resident, and one in B reported by another account."""
    from grassroots.cases import services as cases
    from grassroots.cases.models import Channel

    common = {"channel": Channel.H5, "description": "楼道堆放杂物，影响通行", "lng": 120.301, "lat": 36.061}
    w.case_a = cases.submit(w.users["resident"], region=w.A, **common)
    w.case_b = cases.submit(w.user_b_reporter, region=w.B, **common)


def _add_attachments(w) -> None:
    """A photo on each matrix case (core:attachment is scoped by its parent object)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core.attachments import attach
    from tests.factories import png_bytes

    w.attachment_a = attach(None, w.case_a, [SimpleUploadedFile("a.png", png_bytes())])[0]
    w.attachment_b = attach(None, w.case_b, [SimpleUploadedFile("b.png", png_bytes())])[0]


def _add_venues(w) -> None:
    """A community center with a room in A and in B; in each, a pending booking (approval required)
    and one in progress (confirmed, for check-in); the matrix resident books in A; a calendar token."""
    import datetime

    from django.utils import timezone

    from grassroots.venues.models import Booking, CalendarToken, Room, ServiceCenter

    now = timezone.now().replace(second=0, microsecond=0)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    for tag, community, booker in (("a", w.A, w.users["resident"]), ("b", w.B, w.user_b_reporter)):
        center = ServiceCenter.objects.create(
            code=f"MC-{tag}",
            name=f"矩阵党群服务中心{tag}",
            level="community",
            region=community,
            opens_at=datetime.time(0, 0),
            closes_at=datetime.time(23, 59),
            lng=120.305,
            lat=36.065,
        )
        room = Room.objects.create(center=center, name="活动室", requires_approval=True)
        common = {"room": room, "booker": booker, "booker_kind": "resident"}
        pending = Booking.objects.create(
            start=start, end=start + datetime.timedelta(hours=1), title="议事会", **common
        )
        current = Booking.objects.create(
            start=now - datetime.timedelta(minutes=20),
            end=now + datetime.timedelta(hours=3),
            state="confirmed",
            title="进行中",
            **common,
        )
        setattr(w, f"center_{tag}", center)
        setattr(w, f"room_{tag}", room)
        setattr(w, f"booking_{tag}", pending)
        setattr(w, f"booking_now_{tag}", current)
    w.calendar_token = CalendarToken.objects.create(user=w.users["resident"])


def _add_orglife(w) -> None:
    """orglife: in A and in B a published theme day under way (started 10 minutes ago, for sign-up,
    check-in, attendance and minutes), a plan for tomorrow (to publish) and a plan of two days ago (a
    meeting that took place without being published: 直接记录)."""
    import datetime

    from django.utils import timezone

    from grassroots.orglife.models import Activity

    now = timezone.now()
    for tag, branch in (("a", w.branch_a), ("b", w.branch_b)):
        common = {"kind": "theme_day", "party_org": branch, "region": branch.region}
        setattr(
            w,
            f"activity_{tag}",
            Activity.objects.create(
                title=f"矩阵主题党日{tag}",
                status="published",
                starts_at=now - datetime.timedelta(minutes=10),
                ends_at=now + datetime.timedelta(hours=2),
                **common,
            ),
        )
        setattr(
            w,
            f"activity_plan_{tag}",
            Activity.objects.create(
                title=f"矩阵支委会{tag}",
                starts_at=now + datetime.timedelta(days=1),
                ends_at=now + datetime.timedelta(days=1, hours=1),
                **{**common, "kind": "committee_meeting"},
            ),
        )
        setattr(
            w,
            f"activity_past_{tag}",
            Activity.objects.create(
                title=f"矩阵已开党员大会{tag}",
                starts_at=now - datetime.timedelta(days=2),
                ends_at=now - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
                **{**common, "kind": "members_meeting"},
            ),
        )


def _add_volunteers(w) -> None:
    """Volunteers objects in A and B: a published wish, a volunteer with points, a team with a member,
    a volunteer activity with a sign-up, a catalogue item and a redemption."""
    import datetime as dt

    from django.utils import timezone

    from grassroots.volunteers import services as vol

    admin_a, worker_b = w.users["community_admin"], w.user_b
    start = timezone.now() + dt.timedelta(days=1)
    people = (("a", w.A, admin_a, w.users["resident"]), ("b", w.B, worker_b, w.user_b_reporter))
    for tag, region, staff, person in people:
        wish = vol.post_wish(staff, region=region, title=f"想要一台收音机{tag}", beneficiary_name="王秀英")
        setattr(w, f"wish_{tag}", vol.review_wish(staff, wish, approve=True))
        volunteer = vol.ensure_volunteer(person, region)
        setattr(w, f"vol_{tag}", volunteer)
        vol.grant_points(staff, volunteer, amount=50, reason="参加社区清洁")
        setattr(w, f"entry_{tag}", vol.grant_points(staff, volunteer, amount=5, reason="参加敬老活动"))
        team = vol.create_team(staff, region=region, name=f"红马甲服务队{tag}", leader=volunteer)
        setattr(w, f"team_{tag}", team)
        setattr(w, f"team_member_{tag}", team.memberships.get())
        va = vol.create_activity(
            staff,
            region=region,
            team=team,
            title=f"社区清洁{tag}",
            place="社区广场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=10,
        )
        setattr(w, f"vact_{tag}", va)
        setattr(w, f"vsignup_{tag}", vol.sign_up(person, va))
        item = vol.add_item(staff, region=region, name=f"洗衣液{tag}", price=10, stock=5)
        setattr(w, f"item_{tag}", item)
        setattr(w, f"redemption_{tag}", vol.redeem(person, item))


def _add_whistles(w) -> None:
    """A summons in A (street 0's admin summons dept_a, whose member is the matrix department handler)
    and one in B (summoned by the city admin, addressed to dept_b: no matrix member)."""
    from grassroots.cases.models import Handler
    from grassroots.whistle import services as whistle

    w.dept_a = Handler.objects.create(kind="department", name="矩阵城市管理局", region=w.district)
    w.dept_b = Handler.objects.create(kind="department", name="矩阵住建局", region=w.district)
    w.dept_a.members.add(w.users["department_handler"])
    text = {"subject": "占道经营整治", "description": "街口早市占道经营，影响通行"}
    w.whistle_a = whistle.summon(w.users["street_admin"], region=w.A, handlers=[w.dept_a], **text)
    w.whistle_b = whistle.summon(w.users["city_admin"], region=w.B, handlers=[w.dept_b], **text)
    w.target_a = w.whistle_a.targets.get()
    w.target_b = w.whistle_b.targets.get()
    for u in w.users.values():
        for attr in ("_grassroots_whistle_departments", "_grassroots_grants"):
            if hasattr(u, attr):
                delattr(u, attr)


def _add_linkage(w) -> None:
    """A district leader with contact points in A and B; a district task to both streets; a task of
    each street to its communities (street 0 -> A: linkage_a, street 1 -> B: linkage_b)."""
    import datetime

    from django.utils import timezone

    from grassroots.linkage import services as linkage

    city_admin = w.users["city_admin"]
    w.leader = linkage.create_leader(
        city_admin, name="矩阵领导", post="区委常委", level="district", region=w.district
    )
    w.point_a = linkage.assign_contact_point(city_admin, w.leader, w.A)
    w.point_b = linkage.assign_contact_point(city_admin, w.leader, w.B)
    due = timezone.localdate() + datetime.timedelta(days=10)
    text = {"title": "矩阵联动任务", "content": "排查消防隐患", "deadline": due}
    w.linkage_task = linkage.issue_task(city_admin, issuer_region=w.district, **text)
    w.linkage_task_a = linkage.issue_task(city_admin, issuer_region=w.streets[0], targets=[w.A], **text)
    w.linkage_task_b = linkage.issue_task(city_admin, issuer_region=w.streets[1], targets=[w.B], **text)
    w.linkage_a = w.linkage_task_a.assignments.get()
    w.linkage_b = w.linkage_task_b.assignments.get()
    for u in w.users.values():
        if hasattr(u, "_grassroots_grants"):
            delattr(u, "_grassroots_grants")
