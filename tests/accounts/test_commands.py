import pytest
from django.core.management import CommandError, call_command

from grassroots.accounts.models import ApiToken, RoleAssignment, User
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.real_hashers
def test_createuser_with_region_code_and_audit(city):
    out = run("createuser", "--username", "ta", "--role", "community_admin", "--scope", "370202001001")
    assert "团岛社区" in out and "初始密码" in out
    user = User.objects.get(username="ta")
    a = RoleAssignment.objects.get(user=user)
    assert a.region == city.communities[0] and a.role.code == "community_admin"
    events = AuditEvent.objects.filter(source="cli")
    assert set(events.values_list("action", flat=True)) == {"create"}
    assert events.filter(model="accounts.roleassignment", region_path=city.communities[0].path).count() == 1
    assert user.password.startswith("argon2")


def test_createuser_with_party_org_code_and_password(city):
    run(
        "createuser",
        "--username",
        "liaison",
        "--role",
        "unit_liaison",
        "--scope",
        "QD-SN-1-1",
        "--password",
        "Abcdef-123",
    )
    user = User.objects.get(username="liaison")
    assert user.check_password("Abcdef-123")
    assert RoleAssignment.objects.get(user=user).party_org == city.community_orgs[0]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "nope", "--scope", "370202001001"], "找不到角色“nope”"),
        (["--role", "community_admin", "--scope", "999999"], "找不到编码为“999999”"),
        (["--role", "community_admin"], "请用 --scope 指定管辖范围"),
        (["--role", "community_admin", "--scope", "370202001001", "--password", "abc"], "密码"),
        (
            ["--role", "community_admin", "--scope", "370202001001", "--password", "alllowercase1"],
            "至少 3 类",
        ),
    ],
)
def test_createuser_errors_are_chinese_and_change_nothing(city, args, message):
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError) as exc:
        run("createuser", "--username", "x1", *args)
    assert message in str(exc.value)
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_short_password_message_comes_from_django_in_chinese(city):
    with pytest.raises(CommandError) as exc:
        run("createuser", "--username", "x2", "--role", "resident", "--password", "Ab1-")
    assert "密码长度太短，至少需要 8 个字符" in str(exc.value)


def test_three_officer_separation_in_command(city):
    run("createuser", "--username", "sys", "--role", "system_admin", "--scope", "370200000000")
    user = User.objects.get(username="sys")
    from grassroots.accounts import services
    from grassroots.core.errors import ServiceError

    with pytest.raises(ServiceError) as exc:
        services.assign_role(None, user, "auditor", city.city)
    assert "三员分立" in exc.value.message
    assert RoleAssignment.objects.filter(user=user).count() == 1


def test_token_issue_list_revoke_audited(city, make_user, client):
    user = make_user("api", "community_admin", city.communities[0])
    raw = run("token", "api", "--name", "脚本", "--expires-days", "30").strip()
    assert raw.startswith("gr_")
    token = ApiToken.objects.get(user=user)
    assert token.key_hash != raw and raw not in token.key_hash and token.expires_at is not None
    r = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200 and r.json()["username"] == "api"
    listing = run("token", "api", "--list")
    assert token.prefix in listing and "有效" in listing and raw not in listing
    run("token", "api", "--revoke", token.prefix)
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "已吊销" in run("token", "api", "--list")
    assert AuditEvent.objects.filter(action="token", model="accounts.apitoken").count() == 2


def test_token_errors(city, make_user):
    make_user("api2", "community_admin", city.communities[0])
    with pytest.raises(CommandError, match="不存在"):
        run("token", "ghost")
    with pytest.raises(CommandError, match="没有前缀"):
        run("token", "api2", "--revoke", "zzzzzz")
    with pytest.raises(CommandError, match="有效天数"):
        run("token", "api2", "--expires-days", "0")


def test_token_prefixes_are_safe_on_a_command_line(make_user):
    import re

    user = make_user("prefixes")
    for _ in range(200):
        token, raw = ApiToken.issue(user)
        assert re.fullmatch(r"[0-9a-f]{8}", token.prefix) and raw.startswith("gr_" + token.prefix)
