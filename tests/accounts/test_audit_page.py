import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.models import AuditEvent
from grassroots.core.services import update_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(city, make_user):
    a = make_user("ca", "community_admin", city.communities[0])
    b = make_user("cb", "community_admin", city.communities[2])
    update_object(a, city.members[0], {"name": "甲改名"})
    update_object(b, city.members[6], {"name": "乙改名"})
    return a, b


def test_audit_page_is_scoped_and_filtered(city, events, client_for):
    a, b = events
    c = client_for(a)
    r = c.get("/core/audit/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "甲改名" in html and "乙改名" not in html
    r = c.get("/core/audit/", {"model": "party.member", "object_id": city.members[6].pk})
    assert "没有符合条件的审计记录" in r.content.decode()
    r = c.get("/core/audit/", {"actor": "ca", "action": "update", "from": "2000-01-01", "to": "2999-12-31"})
    assert "甲改名" in r.content.decode()
    r = c.get("/core/audit/", {"from": "2999-01-01"})
    assert "甲改名" not in r.content.decode()
    r = c.get("/core/audit/", {"from": "yesterday"})
    assert r.status_code == 200 and "格式不正确" in r.content.decode()
    r = c.get("/core/audit/", {"action": "hack"})
    assert "未知的操作类型" in r.content.decode()


def test_audit_page_needs_audit_view(city, make_user, client_for):
    worker = make_user("gw", "grid_worker", city.communities[0])
    assert client_for(worker).get("/core/audit/").status_code == 404


def test_audit_export_is_scoped_and_audited(city, events, client_for):
    a, _b = events
    r = client_for(a).get("/core/audit/", {"export": "xlsx"})
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "甲改名" in text and "乙改名" not in text
    assert AuditEvent.objects.filter(action="export", model="core.auditevent", actor_id=a.pk).count() == 1


def test_history_tag_on_user_detail(city, make_user, client_for):
    admin = make_user("ca", "community_admin", city.communities[0])
    from grassroots.accounts import services

    user, _ = services.create_user(admin, "hist", role_code="grid_worker", node=city.communities[0])
    services.reset_password(admin, user)
    html = client_for(admin).get(f"/accounts/users/{user.pk}/").content.decode()
    assert "变更记录" in html and "已重置" in html


def test_archive_refuses_within_retention_and_exports_older(city, tmp_path, settings):
    recent = timezone.localdate().isoformat()
    with pytest.raises(CommandError, match="天以前"):
        call_command("audit", "archive", "--before", recent)
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("audit", "archive", "--before", "someday")
    audit.record("update", city.members[0], changes={"name": ["a", "b"]})
    # Audit rows can't be updated, so an old row is written with its time directly.
    AuditEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS + 30),
        action="update",
        model="party.member",
        object_repr="旧记录",
    )
    before = (timezone.localdate() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS + 1)).isoformat()
    out = tmp_path / "a.xlsx"
    total = AuditEvent.objects.count()
    call_command("audit", "archive", "--before", before, "--output", str(out), stdout=io.StringIO())
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][7] == "旧记录"
    assert AuditEvent.objects.count() == total + 1  # nothing deleted; the archive itself is audited
