"""Audit you can trust (issue 14 item 9): on PostgreSQL TRUNCATE of the audit table is refused, and
`grassroots check_audit` verifies that the triggers are in place."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from grassroots.core import audit
from grassroots.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE triggers and database roles exist only on PostgreSQL"
)


def _enable_truncate_trigger():
    # The test database runs with it disabled (tests/conftest.py); this test's transaction enables it.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_truncate")


def _check() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_audit", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pg_only
def test_truncate_of_the_audit_table_is_refused():
    audit.record(AuditAction.LOGIN, None, model_label="accounts.user", object_repr="x")
    _enable_truncate_trigger()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() >= 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


@pg_only
def test_check_audit_passes_with_triggers_and_fails_without():
    _enable_truncate_trigger()
    out, _err = _check()
    assert "审计表保护检查通过" in out and "core_auditevent_no_truncate" in out
    # the test role is a superuser: said, but not a failure
    assert "超级用户" in out
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_truncate")
    with pytest.raises(CommandError, match="审计表保护不完整"):
        _check()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_audit", stdout=io.StringIO(), stderr=err)
    assert "缺少触发器 core_auditevent_append_only" in err.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant of the check")
def test_check_audit_on_sqlite_checks_the_update_trigger():
    out, _err = _check()
    assert "core_auditevent_no_update" in out and "审计表保护检查通过" in out
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_auditevent_no_update")
    with pytest.raises(CommandError, match="审计表保护不完整"):
        _check()
