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
    _add_deliberation(w)
    _add_transfers(w)
    _add_outreach(w)
    _add_merit(w)
    _add_recruitment(w)
    _add_emergencies(w)
    _add_linkage(w)
    _add_onewindow(w)
    _add_redproperty(w)
    _add_proactive(w)
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
    from django.utils import timezone

    from grassroots.core.models import ImportJob  # noqa: F401
    from grassroots.grids.models import Grid, GridAssignment, Patrol
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
        # A finished patrol of the grid (grids.care_views: patrol pages)
        setattr(
            w,
            f"patrol_{tag}",
            Patrol.objects.create(grid=grid, worker=worker, worker_name=worker.name, ended_at=timezone.now()),
        )


def _add_cases(w) -> None:
    """A case reported in A by the matrix resident, and one in B reported by another account."""
    from grassroots.cases import services as cases
    from grassroots.cases.models import Channel

    common = {"channel": Channel.H5, "description": "楼道堆放杂物，影响通行", "lng": 120.301, "lat": 36.061}
    w.case_a = cases.submit(w.users["resident"], region=w.A, **common)
    w.case_b = cases.submit(w.user_b_reporter, region=w.B, **common)
    # 身边诉求: the matrix party member follows case_a (tests/cases/endpoints.py, DELETE follow).
    from grassroots.cases import public

    public.follow(w.users["party_member"], w.case_a)


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
    w.calendar_token_raw = CalendarToken.issue(w.users["resident"])[1]


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
    from grassroots.volunteers import wishes as vol_wishes

    admin_a, worker_b = w.users["community_admin"], w.user_b
    start = timezone.now() + dt.timedelta(days=1)
    people = (("a", w.A, admin_a, w.users["resident"]), ("b", w.B, worker_b, w.user_b_reporter))
    for tag, region, staff, person in people:
        wish = vol_wishes.post_wish(
            staff, region=region, title=f"想要一台收音机{tag}", beneficiary_name="王秀英"
        )
        setattr(w, f"wish_{tag}", vol_wishes.review_wish(staff, wish, approve=True))
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


def _add_deliberation(w) -> None:
    """A topic open for voting in each community (two options each), entered by the community."""
    import datetime

    from django.utils import timezone

    from grassroots.deliberation import services as delib

    for tag, community, staff in (("a", w.A, w.users["community_admin"]), ("b", w.B, w.users["city_admin"])):
        topic = delib.propose(staff, community=community, title=f"矩阵议题{tag}", content="加装充电桩")
        delib.schedule(
            staff,
            topic,
            meeting_at=timezone.now() + datetime.timedelta(days=1),
            place="社区议事厅",
            theme="充电桩选址",
        )
        first = delib.add_option(staff, topic, label="南门")
        delib.add_option(staff, topic, label="北门")
        delib.open_voting(staff, topic)
        setattr(w, f"topic_{tag}", topic)
        setattr(w, f"topic_option_{tag}", first)


def _add_transfers(w) -> None:
    """组织关系转接 in transit in each community: members[1] of A's branch to A's community committee (both
    sides in A), members[7] likewise in B; and one to an org
    outside the platform in each (members[2], [8])."""
    from grassroots.party import transfers

    admin = w.users["city_admin"]
    for tag, i in (("a", 0), ("b", 2)):
        members = w.members[i * 3 : i * 3 + 3]
        t = transfers.issue_transfer(admin, members[1], to_org=w.community_orgs[i], reason="居住地变更")
        setattr(w, f"transfer_{tag}", t)
        ext = transfers.issue_transfer(
            admin, members[2], outside_org_name="中共某县某镇委员会", reason="回原籍"
        )
        setattr(w, f"transfer_ext_{tag}", ext)


def _add_outreach(w) -> None:
    """联户 and 民情日志: member_a (the matrix party member) and member_b are hubs, each with a
    confirmed and a suggested household link in their community; the matrix grid worker and
    m_worker_b each keep a daily log with one open item."""
    from grassroots.outreach import services as outreach
    from grassroots.outreach.models import HubLink, LinkState
    from grassroots.people.models import Worker

    for tag, member, community, user, k in (
        ("a", w.member_a, w.A, w.users["grid_worker"], 0),
        ("b", w.member_b, w.B, w.user_b, 4),
    ):
        member.is_household_hub = True
        member.save(update_fields=["is_household_hub"])
        link = HubLink.objects.create(
            hub=member, household=w.households[k], community=community, state=LinkState.CONFIRMED
        )
        setattr(w, f"hublink_{tag}", link)
        setattr(
            w,
            f"hubsuggest_{tag}",
            HubLink.objects.create(hub=member, household=w.households[k + 1], community=community),
        )
        Worker.objects.create(
            code=f"WL{community.code}",
            name=f"日志社工{tag}",
            region=community,
            post="staff",
            grade=10,
            user=user,
        )
        item = outreach.add_item(user, kind="opinion", text="居民反映小区东门路灯不亮")
        setattr(w, f"logitem_{tag}", item)
        setattr(w, f"worklog_{tag}", item.log)


def _add_merit(w) -> None:
    """merit: in A and in B a pending study record (A's is the party member's own) and a proposed star
    rating of the branch."""
    import datetime

    from grassroots.merit.models import StarRating, StudyRecord

    for tag, member, branch in (("a", w.member_a, w.branch_a), ("b", w.member_b, w.branch_b)):
        setattr(
            w,
            f"study_{tag}",
            StudyRecord.objects.create(
                member=member, course=f"矩阵专题党课{tag}", hours=2, studied_on=datetime.date.today()
            ),
        )
        setattr(
            w,
            f"rating_{tag}",
            StarRating.objects.create(org=branch, year=datetime.date.today().year, computed_stars=2, stars=2),
        )


def _add_recruitment(w) -> None:
    """recruitment: an applicant (step 1 recorded ten days ago) in branch A and in branch B."""
    import datetime

    from django.utils import timezone

    from tests.factories import add_candidate

    applied = timezone.localdate() - datetime.timedelta(days=10)
    w.candidate_a = add_candidate(w.branch_a, "矩阵申请人甲", applied)
    w.candidate_b = add_candidate(w.branch_b, "矩阵申请人乙", applied)


def _add_emergencies(w) -> None:
    """An emergency over street 0 (A's street, declared by the street admin) and one over street 1
    (declared by the city admin). The matrix party member is registered to A (双报到) and has confirmed
    their call-up (assigned to grid_a); the matrix resident, a volunteer of team_a, is called up."""
    from grassroots.cobuild.models import Registration
    from grassroots.emergency import services as em
    from grassroots.emergency.models import Callup

    for tag, street, user, household in (
        ("a", w.streets[0], w.users["street_admin"], w.household_a),
        ("b", w.streets[1], w.users["city_admin"], w.household_b),
    ):
        household.tags = ",elderly_alone,"
        household.save(update_fields=["tags"])
        if tag == "a":
            Registration.objects.create(kind="member", community=w.A, member=w.member_a, state="active")
        e = em.declare(
            user,
            region=street,
            title=f"强降雨防汛{tag}",
            kind="flood",
            severity="4",
            instructions="全面摸排独居老人，做好转移准备",
            sweep_tags=["elderly_alone"],
        )
        setattr(w, f"emergency_{tag}", e)
        setattr(w, f"task_{tag}", e.tasks.get(household=household))
        setattr(w, f"vol_callup_{tag}", Callup.objects.get(emergency=e, volunteer=getattr(w, f"vol_{tag}")))
        setattr(
            w,
            f"need_{tag}",
            em.raise_need(user, e, category="medicine", description="降压药", household=household),
        )
        em.generate_reports(e, e.declared_at.date())
    w.member_callup_a = Callup.objects.get(emergency=w.emergency_a, member=w.member_a)
    em.respond(w.users["party_member"], w.member_callup_a, "confirm")
    w.member_callup_b = Callup.objects.filter(emergency=w.emergency_b).exclude(volunteer=None).first()
    for u in w.users.values():
        if hasattr(u, "_grassroots_grants"):
            delattr(u, "_grassroots_grants")


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


def _add_redproperty(w) -> None:
    """红色物业 in A and B: a company with a contract on the community's neighborhood, an owners' committee
    with a member, a planned election and a cross post, an inspection, a takeover of a second (unmanaged)
    neighborhood; last year's grades of the district."""
    import datetime

    from django.utils import timezone

    from grassroots.redproperty import services as rp
    from grassroots.regions.models import Region

    today = timezone.localdate()
    # Street and community staff manage 红色物业; one account managing the whole district builds both sides.
    admin = User.objects.create_user(username="m_rp_builder", password=None)
    RoleAssignment.objects.create(
        user=admin, role=Role.objects.get(code="community_admin"), region=w.district
    )
    for tag, community, member in (("a", w.A, w.member_a), ("b", w.B, w.member_b)):
        hood = Region.objects.get(path__startswith=community.path, level="neighborhood")
        spare = Region.objects.add_child(
            community,
            create_kwargs={"code": community.code + "098", "name": f"弃管小区{tag}", "level": "neighborhood"},
        )
        company = rp.register_company(admin, region=community, name=f"矩阵物业{tag}", is_state_owned=True)
        contract = rp.sign_contract(
            admin,
            company=company,
            neighborhood=hood,
            start=today - datetime.timedelta(days=400),
            end=today + datetime.timedelta(days=400),
            fee="1.50",
        )
        committee = rp.register_committee(
            admin,
            neighborhood=hood,
            term_start=today - datetime.timedelta(days=1000),
            term_end=today + datetime.timedelta(days=60),
        )
        seat = rp.add_committee_member(
            admin,
            committee,
            name=f"业委{tag}",
            role="member",
            term_start=today - datetime.timedelta(days=100),
        )
        election = rp.plan_election(admin, committee, planned_on=today + datetime.timedelta(days=30))
        post = rp.add_cross_post(admin, member=member, committee=committee, role="委员", start=today)
        inspection = rp.inspect(admin, company=company, neighborhood=hood, inspected_on=today, score=88)
        takeover = rp.record_takeover(
            admin, neighborhood=spare, kind="street_custody", start=today - datetime.timedelta(days=10)
        )
        for name, obj in (
            ("company", company),
            ("contract", contract),
            ("committee", committee),
            ("seat", seat),
            ("election", election),
            ("crosspost", post),
            ("inspection", inspection),
            ("takeover", takeover),
            ("hood", hood),
        ):
            setattr(w, f"rp_{name}_{tag}", obj)
    rp.compute_grades(w.users["district_admin"], district=w.district, year=today.year - 1)


def _add_proactive(w) -> None:
    """Three cases of one category in A and in B (last days), the hot topics computed over them, and a
    draft 未诉先办 task owned by each community (created by the city admin)."""
    import datetime

    from django.utils import timezone

    from grassroots.cases.models import Case, Category
    from grassroots.proactive import clustering
    from grassroots.proactive import services as proactive
    from grassroots.proactive.models import HotTopic

    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    now = timezone.now()
    Case.objects.bulk_create(
        [
            Case(
                number=f"MPRO{tag}{i}",
                channel="h5",
                category=category,
                description="井盖松动",
                region=community,
                submitted_at=now - datetime.timedelta(days=1 + i),
            )
            for tag, community in (("a", w.A), ("b", w.B))
            for i in range(3)
        ]
    )
    clustering.execute_run(proactive.start_run(None, trigger="command", enqueue=False).pk)
    admin = w.users["city_admin"]
    for tag, community in (("a", w.A), ("b", w.B)):
        hot = HotTopic.objects.get(level="community", region=community, category=category, keyword="")
        setattr(w, f"hot_{tag}", hot)
        initiative = proactive.create_initiative(
            admin,
            kind="task",
            hot_topic=hot,
            title=f"矩阵任务{tag}",
            region=community,
            owner_name="李",
            plan="方案",
            due_date=timezone.localdate() + datetime.timedelta(days=10),
        )
        setattr(w, f"initiative_{tag}", initiative)


def _add_onewindow(w) -> None:
    """一窗受理: street 0's item (dept_a) and street 1's (dept_b); in each community an application
    forwarded to its department (A's for household_a, the matrix resident's) and one done awaiting
    evaluation; an open door-to-door offer to household_a / household_b."""
    from grassroots.onewindow import services as ow

    admin = w.users["city_admin"]
    dept_b_user = User.objects.create_user(username="m_ow_dept_b", password=None)
    RoleAssignment.objects.create(
        user=dept_b_user, role=Role.objects.get(code="department_handler"), region=w.B
    )
    w.dept_b.members.add(dept_b_user)
    for tag, community, street, dept, household, dept_user in (
        ("a", w.A, w.streets[0], w.dept_a, w.household_a, w.users["department_handler"]),
        ("b", w.B, w.streets[1], w.dept_b, w.household_b, dept_b_user),
    ):
        item = ow.create_item(
            admin,
            region=street,
            name=f"矩阵高龄津贴{tag}",
            department=dept,
            materials=["身份证", "户口簿"],
            time_limit_days=5,
            door_to_door=True,
        )
        apps = []
        for _ in range(2):
            app = ow.take_application(
                admin,
                community=community,
                item=item,
                applicant_name=f"申请人{tag}",
                applicant_phone="13912340000",
                household=household,
                materials_received=["身份证", "户口簿"],
            )
            ow.forward(admin, app)
            apps.append(app)
        done = apps[1]
        ow.accept(dept_user, done)
        ow.complete(dept_user, done, result="已核发")
        setattr(w, f"item_{tag}", item)
        setattr(w, f"app_{tag}", apps[0])
        setattr(w, f"done_{tag}", done)
        setattr(w, f"offer_{tag}", ow.offer(admin, household))
    for u in w.users.values():
        for attr in ("_grassroots_onewindow_departments", "_grassroots_grants"):
            if hasattr(u, attr):
                delattr(u, attr)
