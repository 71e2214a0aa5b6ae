import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.accounts import services
from grassroots.accounts.models import OneTimeCode, ResidentProfile, RoleAssignment, SmsOutbox, User
from grassroots.core.errors import ServiceError
from grassroots.core.models import AuditEvent
from grassroots.core.scoping import covers
from grassroots.regions.models import Household

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def last_code(phone=PHONE) -> str:
    return re.search(r"\d{6}", SmsOutbox.objects.filter(phone=phone).first().body).group(0)


def test_code_is_sent_to_outbox_and_stored_hashed(caplog):
    with caplog.at_level("INFO", logger="grassroots.sms"):
        services.request_login_code(PHONE)
    code = last_code()
    otp = OneTimeCode.objects.get()
    assert code not in otp.code_hash and PHONE not in otp.phone_hash
    assert otp.expires_at - otp.created_at == datetime.timedelta(minutes=5)
    assert code in caplog.text


def test_sign_up_creates_resident_with_own_grant_and_profile():
    services.request_login_code(PHONE)
    user = services.login_with_code(PHONE, last_code())
    profile = ResidentProfile.objects.get(user=user)
    assert profile.phone_masked == "139****5678" and PHONE not in profile.phone_hash
    a = RoleAssignment.objects.get(user=user)
    assert a.role.code == "resident" and a.region_id is None and a.party_org_id is None
    assert not user.has_usable_password()
    # the second login finds the same account
    OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    services.request_login_code(PHONE)
    assert services.login_with_code(PHONE, last_code()) == user
    assert User.objects.filter(resident_profile__isnull=False).count() == 1


def test_code_is_single_use():
    services.request_login_code(PHONE)
    code = last_code()
    services.login_with_code(PHONE, code)
    with pytest.raises(ServiceError, match="失效"):
        services.login_with_code(PHONE, code)


def test_code_expires():
    services.request_login_code(PHONE)
    OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ServiceError, match="失效"):
        services.login_with_code(PHONE, last_code())


def test_five_wrong_attempts_burn_the_code():
    services.request_login_code(PHONE)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ServiceError, match=f"还可尝试 {left} 次"):
            services.login_with_code(PHONE, wrong)
    with pytest.raises(ServiceError, match="错误次数过多"):
        services.login_with_code(PHONE, wrong)
    with pytest.raises(ServiceError, match="失效"):
        services.login_with_code(PHONE, code)
    assert OneTimeCode.objects.get().attempts == 5
    assert AuditEvent.objects.filter(action="login_failed", success=False).count() == 5


def test_rate_limits_per_phone():
    services.request_login_code(PHONE)
    with pytest.raises(ServiceError, match="1 分钟") as exc:
        services.request_login_code(PHONE)
    assert exc.value.status == 429
    services.request_login_code("13800000000")  # another phone is not affected
    old = timezone.now() - datetime.timedelta(minutes=5)
    OneTimeCode.objects.filter(phone_hash=OneTimeCode.objects.order_by("id").first().phone_hash).update(
        created_at=old
    )
    for _ in range(9):
        services.request_login_code(PHONE)
        OneTimeCode.objects.update(created_at=old)
    with pytest.raises(ServiceError, match="上限"):
        services.request_login_code(PHONE)


@pytest.mark.parametrize("phone", ["123", "2391234567", "abc", "139123456789"])
def test_bad_phone_numbers_are_refused(phone):
    with pytest.raises(ServiceError, match="11 位手机号"):
        services.request_login_code(phone)
    assert not SmsOutbox.objects.exists()


def test_resident_sees_only_own_household(city, make_user, client, settings):
    r = client.get("/accounts/resident/login/")
    assert r.status_code == 200 and "获取验证码" in r.content.decode()
    r = client.post("/accounts/resident/login/", {"action": "send", "phone": PHONE})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    r = client.post("/accounts/resident/login/", {"action": "login", "phone": PHONE, "code": "12345"})
    assert r.status_code == 400
    r = client.post("/accounts/resident/login/", {"action": "login", "phone": PHONE, "code": last_code()})
    assert r.status_code == 302 and r["Location"] == "/h5/"  # the resident H5 home
    r = client.get("/accounts/resident/me/")
    assert "尚未关联住户" in r.content.decode()
    user = User.objects.get(resident_profile__isnull=False)
    staff = make_user("ca", "community_admin", city.communities[0])
    mine, other = city.households[0], city.households[1]
    services.link_household(staff, user.resident_profile, mine)
    assert list(Household.objects.visible_to(user)) == [mine]
    assert covers(user, mine) and not covers(user, other)
    html = client.get("/accounts/resident/me/").content.decode()
    assert mine.entrance.name in html
    assert mine.phone not in html and mine.phone[-4:] in html  # masked
    # Nothing else: staff pages and other objects are 404 for a resident.
    assert client.get("/accounts/users/").status_code == 404
    assert client.get("/core/audit/").status_code == 404


def test_link_household_needs_scope(city, make_user):
    services.request_login_code(PHONE)
    user = services.login_with_code(PHONE, last_code())
    staff = make_user("ca", "community_admin", city.communities[0])
    from grassroots.core.errors import NotFound

    with pytest.raises(NotFound):
        services.link_household(staff, user.resident_profile, city.households[3])


def test_pluggable_sender(settings):
    settings.GRASSROOTS_SENDERS = {"sms": "tests.accounts.test_resident.recording_sender"}
    SENT.clear()
    services.request_login_code(PHONE)
    assert [(m.channel, m.to, m.kind) for m in SENT] == [("sms", PHONE, "accounts.login_code")]
    assert "验证码" in SENT[0].text
    assert not SmsOutbox.objects.exists()


SENT: list = []


def recording_sender(message):
    SENT.append(message)


def test_resident_login_page_is_a_client_without_session():
    r = Client().get("/accounts/resident/me/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
