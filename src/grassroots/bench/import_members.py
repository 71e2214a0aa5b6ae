"""`grassroots bench import [--rows 100000] [--runs 3]`: the whole import of members from xlsx,
as a user goes through it, beside openpyxl only reading the same file.

Generates a members file (valid rows into party orgs the bench creates), then, in the same run and on
the same file, `--runs` times each (members deleted between runs, so every run creates them all):
(1) the bare read: openpyxl read-only iterating every value; (2) the whole import as the pages run it
(core.import_jobs): upload (store the file, hash it, queue the dry run) → dry run (the check_job task:
read, parse, validate against the database, preview, keep the checked plan) → commit (start_commit and
the commit_job task: read again the rows the checks depended on, write the kept plan if they are
unchanged or else validate the file again, encrypt, bulk write, audit, in one transaction). Prints
p50 / p95 of both and the ratio of the p95s with the verdict (target of issue 20: ≤ 2×, stable across
runs). Runs on a throwaway SQLite database in a temporary GRASSROOTS_VAR unless GRASSROOTS_DATABASE_URL
is set (then on that database: its BENCH-* orgs get the members, deleted again after each run).
"""

from __future__ import annotations

import datetime
import os
import tempfile
import time
from pathlib import Path

TARGET = 2.0
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_arguments(parser):
    parser.add_argument("--rows", type=int, default=100_000, help="党员行数（默认 100000）")
    parser.add_argument("--runs", type=int, default=3, help="重复次数（默认 3，取 p50/p95）")
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


def _pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def _whole_import(path: Path, user) -> tuple[float, dict]:
    """upload → dry run → commit through core.import_jobs, the tasks called as the worker calls them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core import import_jobs
    from grassroots.core.models import ImportJob

    t = time.perf_counter()
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=XLSX_MIME)
    job = import_jobs.store_upload(user, "members", upload)
    import_jobs.check_job.call(job.pk)
    job.refresh_from_db()
    if job.state != ImportJob.State.CHECKED:
        return time.perf_counter() - t, {"state": job.state, "errors": job.errors[:10]}
    import_jobs.start_commit(user, job)
    import_jobs.commit_job.call(job.pk)
    job.refresh_from_db()
    return time.perf_counter() - t, {"state": job.state, "errors": job.errors[:10], "counts": job.counts}


def run(out, rows: int = 100_000, keep: bool = False, runs: int = 3, **_):
    tmp = Path(tempfile.mkdtemp(prefix="gr-bench-import-"))
    if not os.environ.get("GRASSROOTS_DATABASE_URL"):
        _use_throwaway_sqlite(tmp / "bench.sqlite3")
        out.write(f"数据库：临时 SQLite {tmp / 'bench.sqlite3'}")
    else:
        out.write("数据库：GRASSROOTS_DATABASE_URL")
    from grassroots.accounts.models import User
    from grassroots.core.importing import bare_read
    from grassroots.core.models import ImportJob
    from grassroots.party.models import Member

    codes = _setup_orgs()
    user = User.objects.filter(username="bench_import").first() or User.objects.create_superuser(
        "bench_import", password=None
    )
    path = tmp / "members.xlsx"
    t = time.perf_counter()
    generate(path, rows, codes)
    out.write(f"生成 {rows} 行：{time.perf_counter() - t:.1f} s，{path.stat().st_size / 1e6:.1f} MB")

    def clear():
        Member.objects.filter(party_org__code__startswith="BENCH-").delete()

    reads, imports = [], []
    try:
        for i in range(1, max(1, runs) + 1):
            clear()
            t = time.perf_counter()
            n = bare_read(path)
            reads.append(time.perf_counter() - t)
            took, job = _whole_import(path, user)
            if job["state"] != ImportJob.State.DONE:
                for e in job["errors"]:
                    out.write(str(e))
                raise SystemExit(f"基准文件导入未完成：{job['state']}")
            imports.append(took)
            added = Member.objects.filter(party_org__code__startswith="BENCH-").count()
            out.write(
                f"第 {i} 次：openpyxl 只读 {n} 行 {reads[-1]:.2f} s；上传→校验→导入 {added} 行 {took:.2f} s"
                f"（{took / reads[-1]:.2f}×）"
            )
    finally:
        if not keep:
            clear()
            path.unlink(missing_ok=True)
    ratio = _pct(imports, 0.95) / _pct(reads, 0.95)
    r50, r95 = _pct(reads, 0.5), _pct(reads, 0.95)
    out.write(f"openpyxl 只读：p50 {r50:.2f} s，p95 {r95:.2f} s（{rows / r50:,.0f} 行/秒）")
    out.write(
        f"完整导入（上传→校验→导入）：p50 {_pct(imports, 0.5):.2f} s，p95 {_pct(imports, 0.95):.2f} s"
        f"（{rows / _pct(imports, 0.5):,.0f} 行/秒）"
    )
    each = ", ".join(f"{b / a:.2f}×" for a, b in zip(reads, imports, strict=True))
    verdict = "达标" if ratio <= TARGET else "未达标"
    out.write(f"倍数（p95 对 p95）：{ratio:.2f}×，各次 {each}（目标 ≤ {TARGET:g}×）{verdict}")


def _use_throwaway_sqlite(db_path: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.DATABASES["default"]["NAME"] = str(db_path)
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = str(db_path)
    call_command("migrate", verbosity=0, run_syncdb=True)
