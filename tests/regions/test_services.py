import pytest

from grassroots.core.errors import NotFound, ServiceError
from grassroots.regions import services
from grassroots.regions.models import Household, Region

pytestmark = pytest.mark.django_db


def test_add_child_takes_next_level_and_checks_order(city, make_user):
    user = make_user("s", "street_admin", city.streets[0])
    c = services.add_region(user, city.streets[0], code="370202001009", name="新社区")
    assert c.level == "community" and Region.objects.get_parent(c) == city.streets[0]
    with pytest.raises(ServiceError):
        services.add_region(user, c, code="370202001010", name="错误层级", level="street")
    assert not Region.objects.filter(code="370202001010").exists()


def test_add_region_under_foreign_street_is_404(city, make_user):
    user = make_user("s", "street_admin", city.streets[0])
    with pytest.raises(NotFound):
        services.add_region(user, city.streets[1], code="370202002009", name="越权社区")


def test_household_tags_validated(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    entrance = city.households[0].entrance
    with pytest.raises(ServiceError, match="未知标签"):
        services.add_household(user, entrance, room="301", head_name="王五", tags=["bogus"])
    h = services.add_household(
        user, entrance, room="301", head_name="王五", tags=["elderly_alone", "disabled"]
    )
    assert Household.objects.get(pk=h.pk).tag_labels == ["残疾", "独居老人"]


def test_household_must_be_at_entrance(city, make_user):
    user = make_user("a", "community_admin", city.communities[0])
    with pytest.raises(ServiceError, match="单元"):
        services.add_household(user, city.communities[0], room="1", head_name="错")
