import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _square(k: int) -> dict:
    x, y = 120.30 + k * 0.01, 36.06
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]],
    }


def _user(username, role=None, scope=None):
    """A user without a password (hashing one costs a second per user on the test settings)."""
    from grassroots.accounts.models import Role, RoleAssignment, User

    user = User.objects.create_user(username=username, password=None)
    if role:
        RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), region=scope)
    return user


@pytest.fixture
def em(city):
    """build_city() plus what an emergency draws on: one grid per community with its worker assigned
    (with an account), tagged households, a 双报到 member with an account, a volunteer team, a 双报到
    unit, and the users of every level."""
    from grassroots.cobuild.models import Registration
    from grassroots.grids.models import Grid, GridAssignment
    from grassroots.regions.models import Household, Region
    from grassroots.volunteers.models import TeamMember, Volunteer, VolunteerTeam

    c = city
    c.grids = []
    for k, community in enumerate(c.communities):
        grid = Grid.objects.create(
            region=community,
            code=f"{community.code}001",
            name=f"{community.name}第1网格",
            polygon=_square(k),
            area_m2=1.0,
            lng=120.305 + k * 0.01,
            lat=36.065,
        )
        c.grids.append(grid)
        worker = c.workers[k]
        worker.user = _user(f"gw{k}", "grid_worker", community)
        worker.save(update_fields=["user"])
        GridAssignment.objects.create(grid=grid, worker=worker, role="grid_worker")
        Household.objects.filter(entrance__path__startswith=community.path).update(grid=grid)
    # Tags: in each community household 0 lives alone (独居老人); community 0 adds more households.
    entrance0 = Region.objects.get(path__startswith=c.communities[0].path, level="entrance")
    extra = [
        Household.objects.create(
            entrance=entrance0, room=f"9{k:02d}", head_name=f"加户{k}", tags=tags, grid=c.grids[0]
        )
        for k, tags in enumerate([",disabled,", ",elderly_alone,low_income,", ",renter,", ""])
    ]
    for k in range(0, len(c.households), 2):
        c.households[k].tags = ",elderly_alone,"
        c.households[k].save(update_fields=["tags"])
    c.extra_households = extra
    c.member_user = _user("m0", "party_member")
    member = c.members[0]
    member.user = c.member_user
    member.save(update_fields=["user"])
    Registration.objects.create(kind="member", community=c.communities[1], member=member, state="active")
    Registration.objects.create(kind="unit", community=c.communities[0], unit=c.units[0], state="active")
    c.vol_user = _user("v0", "resident")
    volunteer = Volunteer.objects.create(user=c.vol_user, region=c.communities[0], name="志愿者小王")
    team = VolunteerTeam.objects.create(region=c.communities[0], name="红马甲")
    TeamMember.objects.create(team=team, volunteer=volunteer)
    c.volunteer = volunteer
    c.city_admin = _user("ca", "city_admin", c.city)
    c.street_admin = _user("sa0", "street_admin", c.streets[0])
    c.street_admin_b = _user("sa1", "street_admin", c.streets[1])
    c.community_admin = _user("co0", "community_admin", c.communities[0])
    c.grid_worker = c.workers[0].user
    return c


def declare_flood(c, street=0, user=None, tags=("elderly_alone", "disabled")):
    from grassroots.emergency import services

    return services.declare(
        user or c.street_admin,
        region=c.streets[street],
        title="强降雨防汛",
        kind="flood",
        severity="4",
        instructions="全面摸排独居老人、残疾人家庭，做好转移准备",
        sweep_tags=list(tags),
    )
