"""docs/DEPLOY.md, database roles: the application role it creates can append audit records but can
neither change, delete or truncate them nor drop or disable the triggers (PostgreSQL only)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from grassroots.core import audit
from grassroots.core.models import AuditAction, AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles exist only on PostgreSQL"),
]

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "DEPLOY.md"


def grants_sql() -> str:
    text = DEPLOY.read_text(encoding="utf-8")
    section = text.split("## 数据库角色 / Database roles", 1)[1]
    after = section.split("`grants.sql`:", 1)[1]
    return re.search(r"```sql\n(.*?)```", after, re.S).group(1)


def _refused(cursor, sql: str) -> bool:
    try:
        with transaction.atomic():
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


def test_app_role_appends_but_cannot_rewrite_or_unprotect_the_audit_log():
    audit.record(AuditAction.LOGIN, None, model_label="accounts.user", object_repr="before")
    role = f"gr_app_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        # CREATE ROLE is transactional: the test's rollback removes the role again.
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        sql = grants_sql().replace("grassroots_app", role).replace("grassroots_owner", owner)
        cursor.execute(sql)
        cursor.execute(f"SET ROLE {role}")
        try:
            audit.record(AuditAction.LOGIN, None, model_label="accounts.user", object_repr="as app")
            assert AuditEvent.objects.filter(object_repr="as app").exists()
            # ordinary application tables are writable
            cursor.execute("UPDATE accounts_user SET display_name = display_name WHERE false")
            for statement in (
                "UPDATE core_auditevent SET object_repr = 'x'",
                "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent",
                "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_truncate",
                "DROP TABLE core_auditevent",
            ):
                assert _refused(cursor, statement), statement
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.filter(object_repr__in=["before", "as app"]).count() == 2
