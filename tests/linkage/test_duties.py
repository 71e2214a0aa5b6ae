"""五级包保 on the region tree: each level's duty attaches to the region it covers; the chain page."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from grassroots.core.errors import ServiceError
from grassroots.grids import services
from grassroots.grids.duties import chain_for_grid, chain_for_region
from grassroots.grids.models import Duty, Grid

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.3, 36.06], [120.305, 36.06], [120.305, 36.07], [120.3, 36.06]]],
}


@pytest.fixture
def grid(lk):
    return Grid.objects.create(
        region=lk.communities[0], code=lk.communities[0].code + "001", name="第1网格", polygon=SQUARE
    )


def test_each_level_attaches_to_its_region_and_the_chain_runs_top_down(lk, grid):
    admin = lk.city_admin
    for level, name in [
        ("grid", "网格员甲"),
        ("community", "社区书记乙"),
        ("street", "街道副书记丙"),
        ("district", "区委常委丁"),
        ("city", "市委常委戊"),
        ("province", "省委常委己"),
    ]:
        services.set_duty(admin, grid, level, name, post="职务")
    rows = {d.level: d for d in Duty.objects.select_related("region", "grid")}
    assert rows["grid"].grid == grid and rows["grid"].region == lk.communities[0]
    assert rows["community"].region == lk.communities[0] and rows["community"].grid is None
    assert rows["street"].region == lk.streets[0]
    assert rows["district"].region == lk.district
    assert rows["city"].region == lk.city and rows["province"].region == lk.city  # province: on the city root
    chain = chain_for_grid(grid)
    assert [d.level for d in chain] == ["province", "city", "district", "street", "community", "grid"]
    # Another community of the same street shares the street, district, city chain above it.
    assert [d.cadre_name for d in chain_for_region(lk.communities[1])] == [
        "省委常委己",
        "市委常委戊",
        "区委常委丁",
        "街道副书记丙",
    ]
    # Saving the same street cadre from another grid's page updates the one street row.
    other = Grid.objects.create(
        region=lk.communities[1], code=lk.communities[1].code + "001", name="网格", polygon=SQUARE
    )
    services.set_duty(admin, other, "street", "街道副书记丙", post="街道党工委副书记")
    assert Duty.objects.filter(level="street").count() == 1


def test_a_community_admin_cannot_set_a_higher_level_and_nothing_changes(lk, grid):
    from grassroots.core.errors import PermissionDenied

    with pytest.raises((PermissionDenied, ServiceError)):
        services.set_duty(lk.community0, grid, "district", "某某")
    services.set_duty(lk.community0, grid, "grid", "网格员甲")
    with pytest.raises(ServiceError, match="包保干部姓名"):
        services.set_region_duty(lk.city_admin, lk.city, "city", " ")
    with pytest.raises(ServiceError, match="应落在区"):
        services.set_region_duty(lk.city_admin, lk.city, "district", "某某")
    assert list(Duty.objects.values_list("level", flat=True)) == ["grid"]


def test_database_refuses_a_grid_on_a_region_level_duty(lk, grid):
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(region=lk.streets[0], grid=grid, level="street", cadre_name="x")


def test_duty_chain_page_shows_levels_and_grid_gaps(lk, grid):
    services.set_region_duty(lk.city_admin, lk.streets[0], "street", "街道副书记丙", "", "13900001111")
    c = Client()
    c.force_login(lk.street0)
    page = c.get(f"/grids/duties/?region={lk.communities[0].code}").content.decode()
    assert "街道副书记丙" in page and "13900001111" not in page  # the phone is masked
    assert "第1网格" in page and "1 个未落实" in page
    assert c.get(f"/grids/duties/?region={lk.communities[2].code}").status_code == 404
    r = c.post(
        "/grids/duties/set/",
        {"region": lk.communities[0].code, "level": "community", "cadre_name": "社区书记乙"},
    )
    assert r.status_code == 302 and Duty.objects.filter(region=lk.communities[0], level="community").exists()
