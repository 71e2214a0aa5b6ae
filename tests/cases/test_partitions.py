"""The case event table's monthly partitions (PostgreSQL) and their no-op on SQLite."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from grassroots.cases import partitions
from grassroots.cases.models import CaseEvent
from grassroots.cases.tasks import event_partitions

pytestmark = pytest.mark.django_db

on_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning exists on PostgreSQL only")
on_sqlite = pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite no-op")


def _partition_of(event_id: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM cases_caseevent WHERE id = %s", [event_id])
        return cur.fetchone()[0]


@on_sqlite
def test_nothing_to_do_on_sqlite():
    assert not partitions.is_partitioned(connection)
    assert partitions.ensure_partitions(connection) == []
    assert event_partitions.call() == {"created": []}


@on_pg
def test_the_event_table_is_partitioned_by_month_with_a_default_partition():
    assert partitions.is_partitioned(connection)
    have = partitions.existing_partitions(connection)
    today = datetime.datetime.now(datetime.UTC).date()
    for k in range(-2, partitions.MONTHS_AHEAD + 1):
        assert partitions.partition_name(partitions._month(today, k)) in have
    assert partitions.DEFAULT in have
    with connection.cursor() as cur:
        cur.execute(
            "SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'cases_caseevent'::regclass AND i.indisprimary"
        )
        assert cur.fetchone()[0] == ["created_at", "id"]


@on_pg
def test_events_land_in_their_month_and_the_job_moves_stray_rows_out_of_default(new_case):
    case = new_case()
    now_event = case.events.order_by("id").first()
    month = timezone.now().astimezone(datetime.UTC).date().replace(day=1)
    assert _partition_of(now_event.pk) == partitions.partition_name(month)

    # A back-dated event whose month has no partition goes to DEFAULT; the job then creates that month
    # and moves the row into it; the timeline still reads it.
    old = datetime.datetime(2001, 2, 3, 4, 5, tzinfo=datetime.UTC)
    stray = CaseEvent.objects.create(case=case, step="note", to_state=case.state, created_at=old)
    assert _partition_of(stray.pk) == partitions.DEFAULT
    created = event_partitions.call()["created"]
    assert created == [partitions.partition_name(datetime.date(2001, 2, 1))]  # that month only
    assert _partition_of(stray.pk) == partitions.partition_name(datetime.date(2001, 2, 1))
    assert list(case.events.order_by("created_at", "id").values_list("pk", flat=True))[0] == stray.pk
    # Idempotent: a second run creates nothing.
    assert event_partitions.call() == {"created": []}


@on_pg
def test_the_job_creates_the_coming_months():
    far = datetime.date(2031, 6, 15)
    created = partitions.ensure_partitions(connection, months_ahead=2, today=far)
    for m in ("203106", "203107", "203108"):
        assert f"cases_caseevent_p{m}" in created
    assert "cases_caseevent_p203109" not in created
    assert partitions.ensure_partitions(connection, months_ahead=2, today=far) == []
