"""`grassroots bench import [--rows 100000]`: import members from xlsx vs openpyxl only reading the file.

Generates a members file (valid rows into party orgs the bench creates), then, in the same run and on
the same file, measures (1) the bare read: openpyxl read-only iterating every value, and (2) the full
import: read + parse + validate + encrypt + bulk write in one transaction. Target: the import costs at
most 3× the bare read. Runs on a throwaway SQLite database in a temporary GRASSROOTS_VAR unless
GRASSROOTS_DATABASE_URL is set (then on that database, whose members it adds to).
"""

from __future__ import annotations

import datetime
import os
import tempfile
import time
from pathlib import Path

TARGET = 3.0


def add_arguments(parser):
    parser.add_argument("--rows", type=int, default=100_000, help="党员行数（默认 100000）")
    parser.add_argument("--keep", action="store_true", help="保留生成的文件和临时数据库")


def _id_number(n: int) -> str:
    from grassroots.core.importing import id_number_check_digit

    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 18000)
    first17 = f"511083{birth:%Y%m%d}{n // 18000 % 1000:03d}"
    return first17 + id_number_check_digit(first17)


def generate(path: Path, rows: int, org_codes: list[str]) -> None:
    from openpyxl import Workbook

    from grassroots.party.importers import MemberImporter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员")
    ws.append([c.header for c in MemberImporter.columns])
    for n in range(1, rows + 1):
        idn = _id_number(n)  # unique for up to 18 million rows
        joined = datetime.date(1980 + n % 40, 1 + n % 12, 1 + n % 28)
        full = n % 10 != 0
        ws.append(
            [
                f"党员{n:06d}",
                "男" if n % 2 else "女",
                idn,
                None,
                f"139{n:08d}",
                org_codes[n % len(org_codes)],
                "正式党员" if full else "预备党员",
                joined,
                joined.replace(year=joined.year + 1) if full else None,
                "是" if n % 3 == 0 else "否",
                None,
                None,
                f"{n % 30 + 1}0{n % 4 + 1}",
                "否",
            ]
        )
    wb.save(path)


def _setup_orgs() -> list[str]:
    from grassroots.party.models import PartyOrg
    from grassroots.regions.models import Region

    city = Region.objects.filter(code="519999000000").first() or Region.objects.add_root(
        create_kwargs=dict(code="519999000000", name="基准市", level="city")
    )
    root = PartyOrg.objects.filter(code="BENCH").first() or PartyOrg.objects.add_root(
        create_kwargs=dict(code="BENCH", name="中共基准市委", kind="committee", region=city)
    )
    codes = []
    for i in range(1, 51):
        code = f"BENCH-{i}"
        if not PartyOrg.objects.filter(code=code).exists():
            PartyOrg.objects.add_child(
                root, create_kwargs=dict(code=code, name=f"基准第{i}党支部", kind="branch", region=city)
            )
        codes.append(code)
    return codes


def run(out, rows: int = 100_000, keep: bool = False, **_):
    tmp = Path(tempfile.mkdtemp(prefix="gr-bench-import-"))
    if not os.environ.get("GRASSROOTS_DATABASE_URL"):
        _use_throwaway_sqlite(tmp / "bench.sqlite3")
        out.write(f"数据库：临时 SQLite {tmp / 'bench.sqlite3'}")
    else:
        out.write("数据库：GRASSROOTS_DATABASE_URL")
    from grassroots.core.importing import bare_read, file_sha256
    from grassroots.party.importers import MemberImporter
    from grassroots.party.models import Member

    codes = _setup_orgs()
    path = tmp / "members.xlsx"
    t = time.perf_counter()
    generate(path, rows, codes)
    out.write(f"生成 {rows} 行：{time.perf_counter() - t:.1f} s，{path.stat().st_size / 1e6:.1f} MB")

    t = time.perf_counter()
    n = bare_read(path)
    read_s = time.perf_counter() - t
    before = Member.objects.count()
    t = time.perf_counter()
    plan = MemberImporter(None).commit(path, file_digest=file_sha256(path))
    import_s = time.perf_counter() - t
    if not plan.ok:
        for e in plan.errors[:10]:
            out.write(e.text)
        raise SystemExit("基准文件校验失败")
    added = Member.objects.count() - before
    ratio = import_s / read_s
    out.write(f"openpyxl 只读：{n} 行 {read_s:.2f} s = {n / read_s:,.0f} 行/秒")
    out.write(f"完整导入：    {added} 行 {import_s:.2f} s = {added / import_s:,.0f} 行/秒")
    out.write(f"倍数：{ratio:.2f}×（目标 ≤ {TARGET:g}×）{'达标' if ratio <= TARGET else '未达标'}")
    if not keep:
        path.unlink(missing_ok=True)


def _use_throwaway_sqlite(db_path: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.DATABASES["default"]["NAME"] = str(db_path)
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = str(db_path)
    call_command("migrate", verbosity=0, run_syncdb=True)
