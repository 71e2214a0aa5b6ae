"""The contract between the demo generator and the apps that add their own demo data.

The generator (demo/generator.py) creates the core city (regions, party orgs, units, members,
people), then calls `generate(ctx)` in `grassroots.<app>.demo` for every app in DEMO_STEPS that has
such a module. A step reads what it needs from the database and writes with `ctx.bulk_insert`.
Every random choice comes from `ctx.rng(name)` / `ctx.faker(name)`, so a seed gives the same city.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from faker import Faker

# Apps with a demo step, in the order they run (after the core city exists).
DEMO_STEPS = ["grids", "cases", "cobuild", "venues", "standards"]


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

    def bulk_insert(self, model: type[models.Model], objs: Iterable[models.Model], progress: Progress | None = None,
                    batch_size: int | None = None) -> int:
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
