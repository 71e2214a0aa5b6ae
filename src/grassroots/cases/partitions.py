"""Monthly range partitions of the case event table (办理纪实) on PostgreSQL; nothing on SQLite.

cases_caseevent is append-only and the largest table of the case engine (several events per case), so
on PostgreSQL it is a natively partitioned table, PARTITION BY RANGE (created_at), one partition per
calendar month (UTC bounds) plus a DEFAULT partition that catches a row whose month has no partition
yet (a back-dated import, a clock far in the future): an insert never fails. Because the partition key
must be part of every unique constraint, the primary key at the database level is (id, created_at);
Django keeps using `id` (an identity column, so ids stay unique in practice) and nothing references an
event by foreign key. The case table itself stays unpartitioned: see docs/SCALE.md for why.

`ensure_partitions()` creates the partitions of the coming months (and of any month with rows waiting in
DEFAULT); the scheduler runs it nightly
(cases.event_partitions) and the migration that converts the table runs it once. A month whose rows
already sit in the DEFAULT partition is created by moving those rows into the new partition first,
then attaching it, so the job can always catch up.
"""

from __future__ import annotations

import datetime

from django.db import transaction

TABLE = "cases_caseevent"
DEFAULT = f"{TABLE}_pdefault"
MONTHS_AHEAD = 3
MONTHS_BEHIND = 24  # partitions made up front for the past when the table is empty


def _month(d: datetime.date, add: int = 0) -> datetime.date:
    n = d.year * 12 + d.month - 1 + add
    return datetime.date(n // 12, n % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def is_partitioned(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cur.fetchone() is not None


def existing_partitions(connection) -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        return {r[0] for r in cur.fetchall()}


def _create_month(cur, month: datetime.date) -> None:
    """One month's partition; rows of that month already in DEFAULT move into it before it is attached
    (attaching checks that DEFAULT holds none of them)."""
    name, lo, hi = partition_name(month), month, _month(month, 1)
    bounds = f"FROM ('{lo:%Y-%m-%d} 00:00:00+00') TO ('{hi:%Y-%m-%d} 00:00:00+00')"
    cur.execute(
        f"SELECT 1 FROM {DEFAULT} WHERE created_at >= %s::timestamptz "
        "AND created_at < %s::timestamptz LIMIT 1",
        [f"{lo} 00:00:00+00", f"{hi} 00:00:00+00"],
    )
    if cur.fetchone() is None:
        cur.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES {bounds}")
        return
    cur.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cur.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE created_at >= %s::timestamptz "
        f"AND created_at < %s::timestamptz RETURNING *) INSERT INTO {name} SELECT * FROM moved",
        [f"{lo} 00:00:00+00", f"{hi} 00:00:00+00"],
    )
    cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES {bounds}")


def ensure_partitions(
    connection, months_ahead: int = MONTHS_AHEAD, today: datetime.date | None = None
) -> list[str]:
    """Create the missing monthly partitions from MONTHS_BEHIND months back through `months_ahead`
    months after the current one, and of any month with rows waiting in DEFAULT. Returns the names
    created; [] on SQLite or when the table is not partitioned."""
    if not is_partitioned(connection):
        return []
    today = today or datetime.datetime.now(datetime.UTC).date()
    have = existing_partitions(connection)
    created = []
    # One transaction: a month moved out of DEFAULT is attached, or nothing happened.
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        if DEFAULT not in have:
            cur.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
            created.append(DEFAULT)
        # The window, plus any other month that has rows waiting in DEFAULT (one partition each, not
        # every month in between).
        cur.execute(
            f"SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date FROM {DEFAULT}"
        )
        months = {r[0] for r in cur.fetchall()}
        month, last = _month(today, -MONTHS_BEHIND), _month(today, months_ahead)
        while month <= last:
            months.add(month)
            month = _month(month, 1)
        for month in sorted(months):
            if partition_name(month) not in have:
                _create_month(cur, month)
                created.append(partition_name(month))
    return created


def _capture(cur, table: str) -> tuple[list[str], list[tuple[str, str]]]:
    """CREATE INDEX statements (primary key excepted) and foreign keys (name, definition) of a table."""
    cur.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT i.indisprimary",
        [table],
    )
    indexes = [r[0] for r in cur.fetchall()]
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f'",
        [table],
    )
    return indexes, list(cur.fetchall())


def convert(connection, partitioned: bool) -> None:
    """Rebuild cases_caseevent as a partitioned table (or back as a plain one), keeping its rows,
    indexes, foreign keys and identity sequence position. PostgreSQL only; the caller checks."""
    if is_partitioned(connection) == partitioned:
        return
    old = f"{TABLE}_old"
    with connection.cursor() as cur:
        indexes, fks = _capture(cur, TABLE)
        cur.execute("SELECT coalesce(max(id), 0) FROM " + TABLE)
        top = cur.fetchone()[0]
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        tail = " PARTITION BY RANGE (created_at)" if partitioned else ""
        cur.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){tail}")
        if partitioned:
            cur.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    if partitioned:
        ensure_partitions(connection)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cur.execute(f"DROP TABLE {old}")
        key = "(id, created_at)" if partitioned else "(id)"
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY {key}")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        if top:
            cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [TABLE, top])
        for sql in indexes:
            cur.execute(sql)
        for name, definition in fks:
            cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
