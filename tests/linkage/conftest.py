import datetime
import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def lk(city, make_user):
    """The tiny city with an admin per level: city, district, both streets, community A."""
    ns = SimpleNamespace(**city.__dict__)
    ns.city_admin = make_user("lk_city", "city_admin", city.city)
    ns.district_admin = make_user("lk_district", "district_admin", city.district)
    ns.street0 = make_user("lk_street0", "street_admin", city.streets[0])
    ns.street1 = make_user("lk_street1", "street_admin", city.streets[1])
    ns.community0 = make_user("lk_comm0", "community_admin", city.communities[0])
    ns.auditor = make_user("lk_auditor", "auditor", city.city)
    ns.today = datetime.date.today()
    return ns
