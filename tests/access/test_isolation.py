"""Two community admins of two communities of the same street: no page, API list or detail, export,
search or autocomplete shows one the other's residents, members, units or households, including by
guessing ids. Data-driven: add a surface to SURFACES / DETAILS when an app adds one."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# (path, query) of every list, search, autocomplete and export surface; {q} = a search for B's names
SURFACES = [
    ("/regions/households/", {}),
    ("/regions/households/", {"q": "云"}),
    ("/regions/households/", {"export": "xlsx"}),
    ("/regions/tree/", {}),
    ("/regions/lookup/", {"q": "云南"}),
    ("/party/members/", {}),
    ("/party/members/", {"q": "云南"}),
    ("/party/members/", {"q": "ynd"}),
    ("/party/members/", {"export": "xlsx"}),
    ("/party/orgs/", {}),
    ("/party/lookup/", {"q": "云南"}),
    ("/units/", {}),
    ("/units/", {"q": "云南"}),
    ("/units/", {"export": "xlsx"}),
    ("/units/lookup/", {"q": "云南"}),
    ("/people/workers/", {}),
    ("/people/workers/", {"export": "xlsx"}),
    ("/grids/", {}),
    ("/core/audit/", {}),
    ("/core/audit/", {"export": "xlsx"}),
    ("/accounts/users/", {}),
    ("/cases/", {}),
    ("/api/v1/cases/", {}),
    ("/", {}),
    ("/api/v1/regions/households/", {}),
    ("/api/v1/regions/households/", {"q": "云"}),
    ("/api/v1/party/members/", {}),
    ("/api/v1/party/members/", {"q": "云南"}),
    ("/api/v1/party/orgs/", {}),
    ("/api/v1/units/", {}),
    ("/api/v1/units/", {"q": "云南"}),
    ("/api/v1/people/workers/", {}),
    ("/api/v1/regions/", {"q": "云南"}),
    ("/api/v1/accounts/users", {}),
    ("/api/v1/dashboards/summary", {}),
    ("/whistle/", {}),
    ("/whistle/", {"q": "云南"}),
    ("/whistle/", {"export": "xlsx"}),
    ("/api/v1/whistle/", {}),
    ("/dashboards/leader/", {}),
    ("/dashboards/leader/", {"export": "ranking"}),
]


@pytest.fixture
def two(city, make_user, client_for, token_for):
    a_comm, b_comm = city.communities[0], city.communities[1]  # 团岛社区 and 云南路社区, same street
    admin_a = make_user("admin_a", "community_admin", a_comm)
    make_user("admin_b", "community_admin", b_comm)
    b = {
        "members": city.members[3:6],
        "households": city.households[2:4],
        "unit": city.units[1],
        "worker": city.workers[1],
        "org": city.community_orgs[1],
    }
    markers = [m.name for m in b["members"]] + [b["unit"].name, b["worker"].name, b["org"].name, "admin_b"]
    markers += [m.phone for m in b["members"]] + [h.phone for h in b["households"]]
    markers += [m.id_number for m in b["members"]] + [b_comm.name]
    page_client = Client(raise_request_exception=False)
    page_client.force_login(admin_a)
    api_client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token_for(admin_a)}")
    return city, b, markers, page_client, api_client


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        return " ".join(
            str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
        )
    return response.content.decode()


def test_no_surface_shows_the_other_community(two):
    city, b, markers, page_client, api_client = two
    problems, checked = [], 0
    for path, query in SURFACES:
        client = api_client if path.startswith("/api/") else page_client
        r = client.get(path, query)
        if r.status_code == 404 and not path.startswith("/api/"):
            continue  # a page that doesn't exist yet for this role
        if r.status_code != 200:
            problems.append(f"{path} {query}: status {r.status_code}")
            continue
        checked += 1
        text = _text(r)
        leaked = [m for m in markers if m and m in text]
        if leaked:
            problems.append(f"{path} {query}: shows {leaked}")
    assert checked >= 20, f"only {checked} surfaces answered"
    assert not problems, "\n".join(problems)


def test_id_guessing_is_404(two):
    city, b, _markers, page_client, api_client = two
    details = [
        *(f"/party/members/{m.pk}/" for m in b["members"]),
        *(f"/party/members/{m.pk}/edit/" for m in b["members"]),
        *(f"/regions/households/{h.pk}/" for h in b["households"]),
        *(f"/regions/households/{h.pk}/edit/" for h in b["households"]),
        f"/units/{b['unit'].pk}/",
        f"/people/workers/{b['worker'].pk}/",
        f"/party/orgs/{b['org'].code}/",
        f"/regions/{city.communities[1].code}/",
        *(f"/api/v1/party/members/{m.pk}" for m in b["members"]),
        *(f"/api/v1/regions/households/{h.pk}" for h in b["households"]),
        f"/api/v1/units/{b['unit'].code}",
        f"/api/v1/people/workers/{b['worker'].code}",
        f"/api/v1/party/orgs/{b['org'].code}",
        f"/api/v1/regions/{city.communities[1].code}",
    ]
    wrong = []
    for url in details:
        client = api_client if url.startswith("/api/") else page_client
        status = client.get(url).status_code
        if status != 404:
            wrong.append(f"{url}: {status}")
    # Unmasking and exporting by id are refused the same way.
    for m in b["members"]:
        r = page_client.post(f"/core/personal/unmask/party.member/{m.pk}/phone/", {"purpose": "核实"})
        if r.status_code != 404:
            wrong.append(f"unmask member {m.pk}: {r.status_code}")
        r = api_client.post(
            "/api/v1/personal/unmask",
            {"model": "party.member", "id": m.pk, "field": "id_number", "purpose": "核实"},
            content_type="application/json",
        )
        if r.status_code != 404:
            wrong.append(f"api unmask member {m.pk}: {r.status_code}")
    assert not wrong, "\n".join(wrong)


def test_api_lists_hold_only_own_ids(two):
    city, b, _m, _p, api_client = two
    lists = {
        "/api/v1/party/members/": {m.pk for m in b["members"]},
        "/api/v1/regions/households/": {h.pk for h in b["households"]},
    }
    for path, foreign in lists.items():
        r = api_client.get(path, {"limit": 200})
        assert r.status_code == 200, path
        ids = {item["id"] for item in r.json()["items"]}
        assert ids and not ids & foreign, path
