import pytest

from grassroots.accounts import services
from grassroots.accounts.models import Role, RoleAssignment, User
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_creates_users_only_at_or_below_own_nodes(city, make_user):
    admin = make_user("street_a", "street_admin", city.streets[0])
    user, generated = services.create_user(admin, "w1", role_code="grid_worker", node=city.communities[1])
    assert generated and RoleAssignment.objects.get(user=user).region == city.communities[1]
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied, match="管辖范围"):
        services.create_user(admin, "w2", role_code="grid_worker", node=city.communities[2])
    with pytest.raises(PermissionDenied, match="管辖范围"):
        services.create_user(admin, "w3", role_code="grid_worker", node=city.district)
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_no_escalation_beyond_own_permissions(city, make_user):
    admin = make_user("ca", "community_admin", city.communities[0])
    with pytest.raises(PermissionDenied, match="超出本人权限"):
        # city_admin carries standards.change, which a community admin doesn't hold
        services.create_user(admin, "boss", role_code="city_admin", node=city.communities[0])
    assert not User.objects.filter(username="boss").exists()
    with pytest.raises(PermissionDenied):
        services.create_user(admin, "sec", role_code="security_admin", node=city.communities[0])


def test_three_officer_separation_in_service(city):
    user, _ = services.create_user(None, "sa", role_code="security_admin", node=city.city)
    for code in ("system_admin", "auditor"):
        with pytest.raises(ServiceError, match="三员分立"):
            services.assign_role(None, user, code, city.city)
    services.assign_role(None, user, "security_admin", city.district)  # the same role elsewhere is fine
    assert user.assignments.count() == 2


def test_user_list_is_scoped(city, make_user):
    a = make_user("ca", "community_admin", city.communities[0])
    make_user("mine", "grid_worker", city.communities[0])
    make_user("theirs", "grid_worker", city.communities[2])
    names = set(services.manageable_users(a).values_list("username", flat=True))
    assert "mine" in names and "theirs" not in names
    theirs = User.objects.get(username="theirs")
    with pytest.raises(NotFound):
        services.get_manageable_user(a, theirs.pk)
    with pytest.raises(NotFound):
        services.revoke_assignment(a, theirs.assignments.get().pk)
    with pytest.raises(NotFound):
        services.reset_password(a, theirs)


def test_revoke_and_reset_are_audited(city, make_user):
    a = make_user("ca", "community_admin", city.communities[0])
    w = make_user("w", "grid_worker", city.communities[0])
    generated = services.reset_password(a, w)
    w.refresh_from_db()
    assert w.check_password(generated)
    with pytest.raises(ServiceError, match="密码"):
        services.reset_password(a, w, "short")
    assert AuditEvent.objects.filter(action="update", model="accounts.user", object_id=str(w.pk)).count() == 1
    services.revoke_assignment(a, w.assignments.get().pk)
    assert not w.assignments.exists()
    ev = AuditEvent.objects.get(action="delete", model="accounts.roleassignment")
    assert ev.changes["role"] == ["grid_worker", None] and ev.region_path == city.communities[0].path
    with pytest.raises(ServiceError, match="不能撤销自己的授权"):
        services.revoke_assignment(a, a.assignments.get().pk)


def test_role_permissions_configurable_and_effective(city, make_user):
    sec, _ = services.create_user(None, "sec", role_code="security_admin", node=city.city)
    worker = make_user("gw", "grid_worker", city.communities[0])
    from grassroots.core.scoping import has_perm, reset_grants

    assert has_perm(worker, "personal.view")
    role = Role.objects.get(code="grid_worker")
    with pytest.raises(ServiceError, match="未知权限"):
        services.set_role_permissions(sec, role, ["regions.view", "bogus.perm"])
    services.set_role_permissions(sec, role, ["regions.view"])
    reset_grants(worker)
    assert not has_perm(worker, "personal.view")
    ev = AuditEvent.objects.get(model="accounts.role", object_id=str(role.pk))
    assert ev.changes["permissions"][1] == ["regions.view"]
    with pytest.raises(NotFound):
        services.set_role_permissions(worker, role, [])


def test_builtin_roles_exist_with_catalog_permissions():
    from grassroots.accounts.permissions import BUILTIN_ROLES, PERMISSIONS

    codes = set(Role.objects.values_list("code", flat=True))
    assert set(BUILTIN_ROLES) <= codes
    for role in Role.objects.all():
        assert set(role.permissions) <= set(PERMISSIONS), role.code
