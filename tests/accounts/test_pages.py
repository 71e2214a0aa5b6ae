import pytest

from grassroots.accounts.models import Role, User
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_user_management_page_flow(city, make_user, client_for):
    admin = make_user("ca", "community_admin", city.communities[0])
    make_user("other", "grid_worker", city.communities[2])
    c = client_for(admin)
    r = c.get("/accounts/users/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "ca" in html and "other" not in html
    r = c.post(
        "/accounts/users/new/",
        {
            "username": "newbie",
            "display_name": "新人",
            "role": "grid_worker",
            "scope": city.communities[0].code,
        },
    )
    assert r.status_code == 302
    user = User.objects.get(username="newbie")
    r = c.get(r["Location"])
    assert "只显示这一次" in r.content.decode()
    r = c.post(
        "/accounts/users/new/", {"username": "bad", "role": "grid_worker", "scope": city.communities[2].code}
    )
    assert not User.objects.filter(username="bad").exists()
    assert "管辖范围" in c.get(r["Location"]).content.decode()
    a = user.assignments.get()
    assert c.post(f"/accounts/users/{user.pk}/assignments/{a.pk}/revoke/").status_code == 302
    assert not user.assignments.exists()
    other = User.objects.get(username="other")
    assert c.get(f"/accounts/users/{other.pk}/").status_code == 404
    assert c.post(f"/accounts/users/{other.pk}/password/", {"password": ""}).status_code == 404


def test_role_page_needs_roles_manage(city, make_user, client_for):
    admin = make_user("ca", "community_admin", city.communities[0])
    assert client_for(admin).get("/accounts/roles/").status_code == 404
    sec = make_user("sec", "security_admin", city.city)
    c = client_for(sec)
    assert c.get("/accounts/roles/").status_code == 200
    role = Role.objects.get(code="party_member")
    r = c.post(f"/accounts/roles/{role.pk}/", {"permissions": ["party.view", "dashboards.view"]})
    assert r.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["dashboards.view", "party.view"]
    assert AuditEvent.objects.filter(model="accounts.role", action="update").count() == 1
    r = c.post(f"/accounts/roles/{role.pk}/", {"permissions": ["nope"]})
    assert r.status_code == 200
    role.refresh_from_db()
    assert role.permissions == ["dashboards.view", "party.view"]


def test_navigation_shows_system_items_by_permission(city, make_user, client_for):
    auditor = make_user("aud", "auditor", city.city)
    html = client_for(auditor).get("/accounts/profile/").content.decode()
    assert "审计日志" in html and "用户管理" not in html
