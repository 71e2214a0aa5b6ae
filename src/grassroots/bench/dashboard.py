"""`grassroots bench dashboard`: the city leader dashboard served from rollups, beside a direct count.

Uses the database Django is configured with (or `--database-url`, re-running the bench against it);
when it holds no city yet, generates the `--preset` demo city first (the `city` preset takes about
12 minutes on PostgreSQL). Rollups are computed when missing (timed). Then, in one process:

- rollup page: p50/p95 of `GET /dashboards/leader/` (the city admin's root: the city's districts)
  through Django's full stack (test client, session, template, every registered metric);
- direct count: p50/p95 of the same figures computed from the underlying rows
  (`leader_data(source="direct")`, every metric function over the same regions and 12 months,
  without rendering the page).

Target: rollup page p95 < 1 s at the city preset on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np


def add_arguments(parser):
    parser.add_argument("--preset", default="city", choices=["tiny", "small", "city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="", help="已有数据库（postgres://…）；不给则使用当前配置")
    parser.add_argument("--requests", type=int, default=200, help="驾驶舱页面请求次数")
    parser.add_argument("--direct-runs", type=int, default=10, help="直接计数的次数")
    parser.add_argument("--recompute", action="store_true", help="无论是否已有汇总都重新计算")


def _ms(samples) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def _ensure_city(out, preset: str, seed: int) -> None:
    from django.core.management import call_command

    from grassroots.regions.models import Region

    call_command("migrate", verbosity=0)
    if Region.objects.exists():
        return
    from grassroots.demo.context import DemoContext
    from grassroots.demo.generator import generate
    from grassroots.demo.presets import get_preset

    out.write(f"数据库中没有城市数据：生成演示城市（预设 {preset}）…")
    t = time.perf_counter()
    generate(DemoContext(preset=preset, seed=seed, scale=get_preset(preset), show_progress=False))
    out.write(f"演示城市生成用时 {time.perf_counter() - t:.0f} 秒")


def run(out, preset="city", seed=1, database_url="", requests=200, direct_runs=10, recompute=False):
    if database_url and os.environ.get("GRASSROOTS_DATABASE_URL") != database_url:
        env = {**os.environ, "GRASSROOTS_DATABASE_URL": database_url}
        args = [sys.executable, "-m", "grassroots.cli", "bench", "dashboard", "--preset", preset]
        args += ["--seed", str(seed), "--requests", str(requests), "--direct-runs", str(direct_runs)]
        args += ["--recompute"] if recompute else []
        result = subprocess.run(args, env=env, capture_output=True, text=True)
        out.write(result.stdout + result.stderr)
        return
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from grassroots.accounts.models import Role, RoleAssignment, User
    from grassroots.dashboards.leader import leader_data
    from grassroots.dashboards.models import Rollup
    from grassroots.dashboards.rollups import compute_rollups
    from grassroots.regions.models import Region

    _ensure_city(out, preset, seed)
    counts = dict(
        Region.objects.filter(level__in=["district", "street", "community"])
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    out.write(
        f"数据库：{connection.vendor}；区 {counts.get('district', 0)}，街道 {counts.get('street', 0)}，"
        f"社区 {counts.get('community', 0)}"
    )
    if recompute or not Rollup.objects.exists():
        t = time.perf_counter()
        n = compute_rollups()
        out.write(f"统计汇总：{n:,} 条，用时 {time.perf_counter() - t:.1f} 秒")
    else:
        out.write(f"统计汇总：沿用已有的 {Rollup.objects.count():,} 条（--recompute 可重新计算）")
    root = Region.objects.filter(depth=1).order_by("path").first()
    # Pages render {% static %}: plain storage, so the bench needs no collectstatic manifest.
    plain = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    with plain, transaction.atomic():
        sid = transaction.savepoint()
        user = User.objects.create_user(username="bench-dashboard-user", password=None)
        RoleAssignment.objects.create(user=user, role=Role.objects.get(code="city_admin"), region=root)
        client = Client()
        client.force_login(user)
        page, direct = [], []
        for i in range(requests + 10):
            t = time.perf_counter()
            r = client.get("/dashboards/leader/", HTTP_HOST="localhost")
            dt = time.perf_counter() - t
            if r.status_code != 200 or b"data-figure" not in r.content:
                raise RuntimeError(f"驾驶舱返回 {r.status_code}")
            if i >= 10:  # warm-up excluded
                page.append(dt)
        user = User.objects.get(pk=user.pk)
        for _ in range(direct_runs):
            t = time.perf_counter()
            leader_data(user, source="direct")
            direct.append(time.perf_counter() - t)
        transaction.savepoint_rollback(sid)
    p50, p95 = _ms(page)
    d50, d95 = _ms(direct)
    out.write(f"市级驾驶舱（读取汇总，完整页面，{requests} 次）：p50 {p50:.1f} ms，p95 {p95:.1f} ms")
    out.write(
        f"直接计数（同样的指标与区划，不含页面渲染，{direct_runs} 次）：p50 {d50:.1f} ms，p95 {d95:.1f} ms"
    )
    verdict = "达到" if p95 < 1000 else "未达到"
    out.write(f"倍数：直接计数 p95 / 汇总页面 p95 = {d95 / p95:.1f}×；目标 p95 < 1000 ms：{verdict}")
