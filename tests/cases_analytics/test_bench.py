"""`grassroots bench cases` refuses SQLite politely (the figures are for PostgreSQL)."""

import io

import pytest
from django.db import connection

from grassroots.bench import cases as bench

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal applies to SQLite only")
def test_refuses_sqlite():
    out = io.StringIO()
    bench.run(type("W", (), {"write": lambda self, s: out.write(s + "\n")})(), cases=10)
    assert "需要 PostgreSQL" in out.getvalue()
    from grassroots.cases.models import Case

    assert not Case.objects.exists()
