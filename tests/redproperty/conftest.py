import datetime
import os
from types import SimpleNamespace

import pytest

from grassroots.accounts.models import ResidentProfile
from grassroots.core.crypto import lookup_hash

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

YEAR = datetime.date.today().year - 1


def square(k: int) -> dict:
    """Neighborhood k's boundary: [120.30 + k/100, +0.01] x [36.06, 36.07]."""
    x, y = 120.30 + k * 0.01, 36.06
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]],
    }


@pytest.fixture
def rp(city, make_user):
    """Community 0's neighborhood (hood0, 200 households, a square boundary) served by company0 (registered
    in community 0) under a contract since two years ago; community 2's neighborhood hood2 served by
    company2; staff of community 0, street 0, the district; a resident of community 0."""
    from grassroots.redproperty import services
    from grassroots.regions.models import Region

    hoods = []
    for k, c in enumerate(city.communities):
        hood = Region.objects.get(path__startswith=c.path, level="neighborhood")
        hood.polygon = square(k)
        hood.household_count = 200
        hood.save(update_fields=["polygon", "household_count"])
        hoods.append(hood)
    ns = SimpleNamespace(
        hoods=hoods,
        c0=city.communities[0],
        c2=city.communities[2],
        admin=make_user("rp_admin0", "community_admin", city.communities[0]),
        admin2=make_user("rp_admin2", "community_admin", city.communities[2]),
        street=make_user("rp_street0", "street_admin", city.streets[0]),
        district=make_user("rp_district", "district_admin", city.district),
        city_admin=make_user("rp_city", "city_admin", city.city),
        district_node=city.district,
    )
    start = datetime.date(YEAR - 1, 6, 1)
    ns.company0 = services.register_company(ns.admin, region=ns.c0, name="团岛红心物业有限公司")
    ns.company2 = services.register_company(ns.admin2, region=ns.c2, name="四方路物业有限公司")
    ns.contract0 = services.sign_contract(
        ns.admin,
        company=ns.company0,
        neighborhood=hoods[0],
        start=start,
        end=datetime.date(YEAR + 3, 5, 31),
        fee="1.50",
    )
    ns.contract2 = services.sign_contract(
        ns.admin2,
        company=ns.company2,
        neighborhood=hoods[2],
        start=start,
        end=datetime.date(YEAR + 3, 5, 31),
        fee="1.20",
    )
    ns.resident = make_user("rp_res0", "resident")
    h0 = next(h for h in city.households if h.entrance.path.startswith(ns.c0.path))
    ResidentProfile.objects.create(
        user=ns.resident, phone_hash=lookup_hash("rp_res0"), phone_masked="139****0000", household=h0
    )
    ns.household0 = h0
    return ns
