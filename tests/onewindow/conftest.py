import os
from types import SimpleNamespace

import pytest

from grassroots.accounts.models import ResidentProfile
from grassroots.cases.models import Handler
from grassroots.core.crypto import lookup_hash

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

MATERIALS = ["身份证", "户口簿", "申请表"]


@pytest.fixture
def ow(city, make_user):
    """Community 0 (street 0) and community 2 (street 1); a civil affairs department with a member, a
    second department; a catalog item of street 0 (door-to-door) and of street 1; staff at every level;
    a resident linked to a household of community 0."""
    from grassroots.onewindow import services

    c0, c2 = city.communities[0], city.communities[2]
    dept = Handler.objects.create(kind="department", name="区民政局", region=city.district)
    dept2 = Handler.objects.create(kind="department", name="区人社局", region=city.district)
    dept_user = make_user("ow_dept", "department_handler", c0)
    dept.members.add(dept_user)
    dept2_user = make_user("ow_dept2", "department_handler", c0)
    dept2.members.add(dept2_user)
    street = make_user("ow_street", "street_admin", city.streets[0])
    street1 = make_user("ow_street1", "street_admin", city.streets[1])
    h0 = next(h for h in city.households if h.entrance.path.startswith(c0.path))
    h2 = next(h for h in city.households if h.entrance.path.startswith(c2.path))
    resident = make_user("ow_res", "resident", phone_hash=lookup_hash("13912345678"))
    ResidentProfile.objects.create(
        user=resident, phone_hash=lookup_hash("13912345678"), phone_masked="139****5678", household=h0
    )
    other_resident = make_user("ow_res2", "resident")
    ResidentProfile.objects.create(
        user=other_resident, phone_hash=lookup_hash("13800000002"), phone_masked="138****0002", household=h2
    )
    item = services.create_item(
        street,
        region=city.streets[0],
        name="高龄津贴申领",
        department=dept,
        materials=MATERIALS,
        time_limit_days=5,
        door_to_door=True,
    )
    item_b = services.create_item(
        street1,
        region=city.streets[1],
        name="居住证办理",
        department=dept2,
        materials=["身份证", "租房合同"],
        time_limit_days=10,
    )
    ns = SimpleNamespace(
        city=city,
        c0=c0,
        c2=c2,
        dept=dept,
        dept2=dept2,
        dept_user=dept_user,
        dept2_user=dept2_user,
        street=street,
        street1=street1,
        admin=make_user("ow_admin0", "community_admin", c0),
        admin2=make_user("ow_admin2", "community_admin", c2),
        district=make_user("ow_district", "district_admin", city.district),
        grid=make_user("ow_grid", "grid_worker", c0),
        resident=resident,
        other_resident=other_resident,
        h0=h0,
        h2=h2,
        item=item,
        item_b=item_b,
    )

    def make_app(complete=True, forwarded=False, **kw):
        app = services.take_application(
            ns.admin,
            community=c0,
            item=item,
            applicant_name=kw.pop("applicant_name", "张桂兰"),
            applicant_phone=kw.pop("applicant_phone", "13912345678"),
            materials_received=MATERIALS if complete else MATERIALS[:1],
            **kw,
        )
        if forwarded:
            services.forward(ns.admin, app)
        app.refresh_from_db()
        return app

    ns.make_app = make_app
    return ns
