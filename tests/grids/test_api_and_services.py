"""API and services: scope, routing via the API, writes refused with a location, all-or-nothing imports."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from shapely.geometry import box, mapping

from grassroots.core.models import AuditEvent
from grassroots.grids.models import Grid, GridStamp
from grassroots.regions.models import Household

from .conftest import X0, Y0, H, W


def _api(client, method, url, token, body=None):
    kw = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **kw)
    return getattr(client, method)(url, **kw)


@pytest.fixture
def admin_a(geo_city, make_user):
    return make_user("admin_a", "community_admin", geo_city.communities[0])


def test_scope_other_community_is_404(geo_city, admin_a, client, token_for, client_for):
    token = token_for(admin_a)
    own = geo_city.grids[geo_city.communities[0].code][0]
    other = geo_city.grids[geo_city.communities[1].code][0]
    assert _api(client, "get", f"/api/v1/grids/{own.code}", token).status_code == 200
    assert _api(client, "get", f"/api/v1/grids/{other.code}", token).status_code == 404
    r = _api(client, "patch", f"/api/v1/grids/{other.code}", token, {"name": "改名"})
    assert r.status_code == 404
    listed = _api(client, "get", "/api/v1/grids/", token).json()["items"]
    assert {g["code"] for g in listed} == {g.code for g in geo_city.grids[geo_city.communities[0].code]}
    web = client_for(admin_a)
    assert web.get(f"/grids/{own.code}/").status_code == 200
    assert web.get(f"/grids/{other.code}/").status_code == 404
    assert web.get(f"/grids/{other.code}/edit/").status_code == 404


def test_route_api_single_batch_and_gcj02(geo_city, admin_a, client, token_for):
    token = token_for(admin_a)
    c0 = geo_city.communities[0]
    r = _api(client, "get", f"/api/v1/grids/route?lng={X0 + 0.25 * W}&lat={Y0 + 0.25 * H}", token).json()
    assert r["found"] and r["grid"]["code"] == c0.code + "001"
    assert r["grid"]["community_code"] == c0.code and r["grid"]["street_code"] == geo_city.streets[0].code
    # on the edge between community 0's grids 001 and 002: smallest code wins
    r = _api(client, "get", f"/api/v1/grids/route?lng={X0 + 0.5 * W}&lat={Y0 + 0.25 * H}", token).json()
    assert r["grid"]["code"] == c0.code + "001" and r["also"] == [c0.code + "002"]
    r = _api(client, "get", "/api/v1/grids/route?lng=100&lat=30", token).json()
    assert r["found"] is False and r["message"] == "不在任何网格内"
    from grassroots.grids.coords import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(X0 + 1.75 * W, Y0 + 0.25 * H)
    r = _api(client, "get", f"/api/v1/grids/route?lng={gx}&lat={gy}&coord_system=gcj02", token).json()
    assert r["grid"]["code"] == geo_city.communities[1].code + "002"
    assert r["lng"] == pytest.approx(X0 + 1.75 * W, abs=1e-7)
    pts = [{"lng": X0 + 0.25 * W, "lat": Y0 + 0.75 * H}, {"lng": 0, "lat": 0}]
    rs = _api(client, "post", "/api/v1/grids/route/batch", token, {"points": pts}).json()
    assert [x["grid"]["code"] if x["grid"] else None for x in rs] == [c0.code + "003", None]
    r = _api(client, "post", "/api/v1/grids/route/address", token, {"address": f"{c0.name}1号楼"}).json()
    assert r["grid"]["code"] == c0.code + "004"


def test_placement_puts_households_and_units_in_grids(geo_city):
    c0 = geo_city.communities[0]
    hh = Household.objects.filter(entrance__path__startswith=c0.path)
    assert {h.grid.code for h in hh} == {c0.code + "004"}
    geo_city.units[0].refresh_from_db()
    assert geo_city.units[0].grid.code == c0.code + "001"


def test_update_polygon_refuses_overlap_and_out_of_parent_with_location(geo_city, admin_a, client, token_for):
    token = token_for(admin_a)
    c0 = geo_city.communities[0]
    g1 = c0.code + "001"
    version = GridStamp.objects.get().version
    before = AuditEvent.objects.count()
    grown = mapping(box(X0, Y0, X0 + 0.7 * W, Y0 + 0.5 * H))
    r = _api(client, "patch", f"/api/v1/grids/{g1}", token, {"polygon": grown})
    assert r.status_code == 400 and "重叠" in r.json()["detail"] and "位置" in r.json()["detail"]
    outside = mapping(box(X0 - 0.5 * W, Y0, X0 + 0.5 * W, Y0 + 0.5 * H))
    r = _api(client, "patch", f"/api/v1/grids/{g1}", token, {"polygon": outside})
    assert r.status_code == 400 and "超出团岛社区边界" in r.json()["detail"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[X0, Y0], [X0 + 0.001, Y0 + 0.001], [X0 + 0.001, Y0], [X0, Y0 + 0.001], [X0, Y0]]],
    }
    r = _api(client, "patch", f"/api/v1/grids/{g1}", token, {"polygon": bowtie})
    assert r.status_code == 400 and "自相交" in r.json()["detail"]
    assert GridStamp.objects.get().version == version and AuditEvent.objects.count() == before
    shrunk = mapping(box(X0, Y0, X0 + 0.4 * W, Y0 + 0.5 * H))
    r = _api(client, "patch", f"/api/v1/grids/{g1}", token, {"polygon": shrunk, "name": "新名"})
    assert r.status_code == 200 and r.json()["name"] == "新名"
    assert GridStamp.objects.get().version == version + 1
    assert AuditEvent.objects.count() == before + 1
    # the index was rebuilt: the strip x 0.4..0.5 W is now outside every grid
    r = _api(client, "get", f"/api/v1/grids/route?lng={X0 + 0.45 * W}&lat={Y0 + 0.25 * H}", token).json()
    assert r["found"] is False


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feat(code, geom, community=None, name="导入网格"):
    return {
        "type": "Feature",
        "geometry": geom,
        "properties": {"code": code, "name": name, "community": community or code[:12]},
    }


def test_import_geojson_all_or_nothing(geo_city, admin_a, client, token_for):
    token = token_for(admin_a)
    c0 = geo_city.communities[0]
    count, version = Grid.objects.count(), GridStamp.objects.get().version
    good = _feat(c0.code + "001", mapping(box(X0, Y0, X0 + 0.5 * W, Y0 + 0.5 * H)), name="改名一")
    bad_geom = _feat(c0.code + "009", {"type": "Polygon", "coordinates": [[[1, 2], [3]]]})
    unknown = _feat("999999999999001", mapping(box(X0, Y0, X0 + 0.001, Y0 + 0.001)))
    r = _api(client, "post", "/api/v1/grids/import", token, {"geojson": _fc(good, bad_geom, unknown)})
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert any("第 2 个要素" in k for k in errors) and any("第 3 个要素" in k for k in errors)
    assert any("999999999999" in m for v in errors.values() for m in v)
    assert Grid.objects.count() == count and GridStamp.objects.get().version == version
    assert Grid.objects.get(code=c0.code + "001").name != "改名一"
    r = _api(client, "post", "/api/v1/grids/import", token, {"geojson": {"type": "Feature"}})
    assert r.status_code == 400 and "FeatureCollection" in r.json()["detail"]
    r = _api(client, "post", "/api/v1/grids/import", token, {"geojson": _fc(good)})
    assert r.status_code == 200 and r.json() == {"created": 0, "updated": 1, "dry_run": False}
    assert Grid.objects.get(code=c0.code + "001").name == "改名一"


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["网格编码", "网格名称", "所属社区编码", "部门网格", "边界WKT", "边界坐标"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_excel_bad_wkt_and_unknown_community_change_nothing(geo_city, admin_a):
    from grassroots.core.errors import ServiceError
    from grassroots.grids import services

    c0 = geo_city.communities[0]
    count = Grid.objects.count()
    content = _xlsx(
        [
            [c0.code + "001", "一", c0.code, "综治:ZZ-1", "POLYGON((1 2, 3", None],
            [
                "370202009009001",
                "二",
                "370202009009",
                None,
                None,
                f"{X0},{Y0};{X0 + 0.001},{Y0};{X0},{Y0 + 0.001}",
            ],
        ]
    )
    with pytest.raises(ServiceError) as exc:
        services.import_rows(admin_a, services.rows_from_excel(content))
    errors = exc.value.errors
    assert any("WKT" in m for m in errors[f"第 2 行（{c0.code}001）"])
    assert any("370202009009" in m for m in errors["第 3 行（370202009009001）"])
    assert Grid.objects.count() == count
    ok = _xlsx(
        [
            [
                c0.code + "001",
                "一",
                c0.code,
                "综治:ZZ-1",
                f"POLYGON(({X0} {Y0}, {X0 + 0.5 * W} {Y0}, {X0 + 0.5 * W} {Y0 + 0.5 * H}, "
                f"{X0} {Y0 + 0.5 * H}, {X0} {Y0}))",
                None,
            ]
        ]
    )
    result = services.import_rows(admin_a, services.rows_from_excel(ok))
    assert result.updated == 1
    assert [la.code for la in Grid.objects.get(code=c0.code + "001").layers.all()] == ["ZZ-1"]


def test_validate_and_coverage_api(geo_city, admin_a, client, token_for):
    token = token_for(admin_a)
    c0 = geo_city.communities[0]
    Grid.objects.filter(code=c0.code + "004").delete()
    r = _api(client, "get", f"/api/v1/grids/validate?region={c0.code}", token).json()
    assert [p["kind"] for p in r] == ["gap"] and r[0]["lng"] >= X0 + 0.5 * W and r[0]["lat"] >= Y0 + 0.5 * H
    cov = _api(client, "get", f"/api/v1/grids/coverage?region={c0.code}", token).json()
    assert cov["total"] == 3
    org = next(i for i in cov["items"] if i["key"] == "party_org")
    assert org["covered"] == 0 and len(org["warnings"]) == 3
    other = geo_city.communities[1].code
    assert _api(client, "get", f"/api/v1/grids/validate?region={other}", token).status_code == 404
