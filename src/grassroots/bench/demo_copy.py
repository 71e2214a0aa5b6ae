"""`grassroots bench demo_copy`: the demo generator's COPY path against a plain COPY of the same rows.

PostgreSQL only, on an empty database (migrated, no demo yet). Generates `--preset` (default
province_slice: four streets of the province preset at its densities per community) — the core city
(regions, party orgs, members, dues, people) and the grids and cases steps (grids, cases with their
timelines and evaluations), the big tables of the province preset — and times it. Then, for every table the run
filled, reads its rows back with COPY TO into memory and times a COPY FROM of exactly those bytes into an
empty copy of the table with the same indexes (CREATE TABLE ... LIKE ... INCLUDING ALL): the floor any
generator writing those rows could reach. Prints rows and times per table and the ratio of the whole
generation to the sum of the plain COPYs, with the verdict (issue 20: ≤ 2×). The generated data stays
(it is a usable demo; `--preset province` is the full province: ~10 M cases, hours on 2 cores).
"""

# ruff: noqa: E501  (printed report lines read better unwrapped)
from __future__ import annotations

import io
import time

TARGET = 2.0


def add_arguments(parser):
    from grassroots.demo.presets import PRESETS

    parser.add_argument("--preset", choices=list(PRESETS), default="province_slice", help="规模预设")
    parser.add_argument("--seed", type=int, default=1, help="随机种子")


def _tables() -> dict[str, int]:
    """Row counts (planner estimates after ANALYZE are enough to pick the filled tables; exact below)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        # A partitioned table (the case events) counts the rows of its partitions.
        cur.execute(
            "SELECT c.relname, (CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(greatest(k.reltuples, 0)), 0) "
            "FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) "
            "ELSE c.reltuples END)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
        return {name: n for name, n in cur.fetchall()}


def _plain_copy(table: str) -> tuple[int, float, int]:
    """(rows, seconds of COPY FROM into an indexed empty copy of the table, bytes)."""
    from django.db import connection

    scratch = f"bench_copy_{table}"[:63]
    with connection.cursor() as cur:
        raw = cur.cursor
        buf = io.BytesIO()
        with raw.copy(f'COPY (SELECT * FROM "{table}") TO STDOUT') as copy:  # works on a partitioned table
            for block in copy:
                buf.write(block)
        data = buf.getvalue()
        cur.execute(f'DROP TABLE IF EXISTS "{scratch}"')
        cur.execute(f'CREATE TABLE "{scratch}" (LIKE "{table}" INCLUDING ALL)')
        t = time.perf_counter()
        with raw.copy(f'COPY "{scratch}" FROM STDIN') as copy:
            for i in range(0, len(data), 1 << 20):
                copy.write(data[i : i + (1 << 20)])
        seconds = time.perf_counter() - t
        cur.execute(f'SELECT count(*) FROM "{scratch}"')
        rows = cur.fetchone()[0]
        cur.execute(f'DROP TABLE "{scratch}"')
    return rows, seconds, len(data)


def run(out, preset: str = "province_slice", seed: int = 1, **_):
    from django.db import connection

    from grassroots.cases import demo as cases_demo
    from grassroots.demo.context import DemoContext
    from grassroots.demo.generator import CityGenerator
    from grassroots.demo.presets import get_preset
    from grassroots.grids import demo as grids_demo
    from grassroots.regions.models import Region

    if connection.vendor != "postgresql":
        out.write("本基准需要 PostgreSQL：请设置 GRASSROOTS_DATABASE_URL=postgres://…，未运行。")
        return
    if Region.objects.exists():
        out.write("本基准需要一个空数据库（已迁移、尚无演示数据），未运行。")
        return
    before = _tables()
    ctx = DemoContext(preset=preset, seed=seed, scale=get_preset(preset), show_progress=False)
    steps = []
    t0 = time.perf_counter()
    CityGenerator(ctx).run()
    steps.append(("核心城市（区划、组织、党员、党费、人员）", time.perf_counter() - t0))
    for label, module in (("网格", grids_demo), ("诉求工单与纪实", cases_demo)):
        ctx.analyze()
        t = time.perf_counter()
        module.generate(ctx)
        steps.append((label, time.perf_counter() - t))
    generation = time.perf_counter() - t0
    out.write(f"预设 {preset}，种子 {seed}：生成用时 {generation:.1f} 秒")
    for label, seconds in steps:
        out.write(f"  {label}：{seconds:.1f} 秒")
    after = _tables()
    filled = sorted(
        t for t, n in after.items() if n > 0 and before.get(t, 0) <= 0 and not t.startswith("bench_copy_")
    )
    out.write("同样的行以纯 COPY 写入（空表副本，含相同索引）：")
    total_rows = total_copy = 0
    for table in filled:
        rows, seconds, size = _plain_copy(table)
        total_rows += rows
        total_copy += seconds
        if rows >= 10_000:
            out.write(f"  {table:32s} {rows:>11,} 行  {size / 1e6:8.1f} MB  {seconds:7.2f} 秒")
    out.write(f"  合计 {len(filled)} 张表 {total_rows:,} 行：纯 COPY {total_copy:.1f} 秒")
    ratio = generation / total_copy if total_copy else float("inf")
    out.write(
        f"生成 / 纯 COPY = {ratio:.2f} 倍（目标 ≤ {TARGET:.0f} 倍：{'达标' if ratio <= TARGET else '未达标'}）"
    )
