"""The contract between the demo generator and the apps that add their own demo data.

The generator (demo/generator.py) creates the core city (regions, party orgs, units, members,
people), then calls `generate(ctx)` in `grassroots.<app>.demo` for every app in DEMO_STEPS that has
such a module. A step reads what it needs from the database and writes with `ctx.bulk_insert`.
Every random choice comes from `ctx.rng(name)` / `ctx.faker(name)`, so a seed gives the same city.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone
from faker import Faker

# Apps with a demo step, in the order they run (after the core city exists).
DEMO_STEPS = [
    "party",
    "grids",
    "cases",
    "whistle",
    "linkage",
    "venues",
    "orglife",
    "cobuild",
    "volunteers",
    "people",
    "outreach",
    "recruitment",
    "emergency",
    "standards",
    "deliberation",
    "redproperty",
    "onewindow",
    "merit",
    "proactive",
    "dashboards",
]


@dataclass
class Progress:
    label: str
    total: int
    done: int = 0
    _bar: Any = None
    _task: Any = None

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n)


@dataclass
class DemoContext:
    preset: str  # "tiny" (tests), "small", "city" or "province"
    seed: int
    scale: dict[str, Any] = field(default_factory=dict)  # the preset's numbers (see demo/presets.py)
    show_progress: bool = True
    batch_size: int = 5000
    _progress_bar: Any = None

    @property
    def vendor(self) -> str:
        return connection.vendor

    def _sub_seed(self, name: str) -> int:
        return int(hashlib.sha256(f"{self.seed}:{name}".encode()).hexdigest()[:12], 16)

    def rng(self, name: str) -> random.Random:
        """A random generator private to one step, so steps don't shift each other's numbers."""
        return random.Random(self._sub_seed(name))

    def faker(self, name: str) -> Faker:
        f = Faker("zh_CN")
        f.seed_instance(self._sub_seed(name))
        return f

    @contextlib.contextmanager
    def progress(self, label: str, total: int) -> Iterator[Progress]:
        p = Progress(label, total)
        if self.show_progress and self._progress_bar is not None:
            p._bar = self._progress_bar
            p._task = self._progress_bar.add_task(label, total=total)
        try:
            yield p
        finally:
            if p._bar is not None:
                p._bar.update(p._task, completed=total)

    def bulk_insert(
        self,
        model: type[models.Model],
        objs: Iterable[models.Model],
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Insert model instances in batches (bulk_create; save() and signals are skipped)."""
        batch, n = [], 0
        size = batch_size or self.batch_size
        for obj in objs:
            batch.append(obj)
            if len(batch) >= size:
                model.objects.bulk_create(batch, batch_size=size)
                n += len(batch)
                if progress:
                    progress.advance(len(batch))
                batch = []
        if batch:
            model.objects.bulk_create(batch, batch_size=size)
            n += len(batch)
            if progress:
                progress.advance(len(batch))
        return n

    # --- helpers added for the core generator (existing signatures above are the contract) ---

    @property
    def today(self):
        """The reference date of relative dates (dues months, terms, probation)."""
        return timezone.localdate()

    def copy_insert(
        self,
        model: type[models.Model],
        objs: Iterable[models.Model],
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Insert model instances without the ORM's per-row SQL compilation: COPY (psycopg 3) on PostgreSQL,
        one executemany per batch elsewhere. Values go through each field's get_db_prep_save, so encrypted
        and JSON fields are stored exactly as save()/bulk_create would store them (save() itself and
        signals are skipped, as with bulk_insert). The primary key column is sent only when the first
        object has one (pre-assigned ids)."""
        it = iter(objs)
        first = next(it, None)
        if first is None:
            return 0
        pk = model._meta.pk
        fields = [f for f in model._meta.concrete_fields if f is not pk or first.pk is not None]
        rows = (
            tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)
            for obj in _chain(first, it)
        )
        return self.insert_rows(
            model, [f.column for f in fields], rows, progress=progress, batch_size=batch_size
        )

    def insert_rows(
        self,
        model: type[models.Model],
        columns: list[str],
        rows: Iterable[tuple],
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Insert plain tuples (already DB-ready values: numbers, strings, dates) into `columns` of the
        model's table, skipping model instances altogether: COPY on PostgreSQL, executemany elsewhere.
        For the largest tables (hundreds of thousands of rows) where bulk_create's per-object cost shows."""
        qn = connection.ops.quote_name
        table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
        size = batch_size or self.batch_size * 4
        n = 0
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                        if progress and n % size == 0:
                            progress.advance(size)
                if progress:
                    progress.advance(n % size)
                return n
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row))
                if len(batch) >= size:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    if progress:
                        progress.advance(len(batch))
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                n += len(batch)
                if progress:
                    progress.advance(len(batch))
        return n

    def db_time(self, value):
        """A datetime as insert_rows must send it: aware for PostgreSQL (COPY), naive UTC text for SQLite
        (what Django itself stores there)."""
        if value is None or self.vendor == "postgresql":
            return value
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after bulk loading. Autovacuum gets there eventually,
        but the next steps (health run, evaluations, rollups) query the fresh tables at once: with the
        row estimates of empty tables the planner picks nested loops that take minutes instead of
        fractions of a second at the city preset."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def reset_sequences(self, *model_classes: type[models.Model]) -> None:
        """After inserting pre-assigned ids, move PostgreSQL sequences past them (SQLite needs nothing)."""
        if self.vendor != "postgresql":
            return
        sql = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def _chain(first, rest):
    yield first
    yield from rest
