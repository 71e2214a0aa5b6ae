"""`grassroots bench intake`: sustained case submissions over real HTTP against the production server.

Starts gunicorn (the same command line as `grassroots serve`, on a free local port, same settings and
database), then offers load at increasing rates, open loop (requests leave on schedule whether or not
earlier ones came back), for two endpoints of the same server in the same run:

- POST /api/v1/cases/ (token auth, validation, scoped community lookup, the submit service with its
  event and audit rows: the resident/grid-worker intake path);
- GET /api/v1/accounts/me (token auth and grants only): the trivial baseline.

Each step lasts `--seconds / (2 × steps)`; a rate is "held" when every request of the step answered
as expected (201 / 200), none failed or timed out, and p95 < 1 s. Printed: the highest rate held by
each endpoint and the ratio (target of issue 13: submissions ≥ 50 % of the trivial endpoint). Default
5 minutes; meant for PostgreSQL (runs on SQLite too, with a note). The submitted cases are deleted at
the end (through the ORM, so their events go too).
"""

# ruff: noqa: E501  (printed report lines read better unwrapped)
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

DEFAULT_RATES = "2,5,10,20,40,60,80,120,160"
MARK = "基准测试（持续受理）"


def add_arguments(parser):
    parser.add_argument("--seconds", type=int, default=300, help="总时长（秒，默认 300）")
    parser.add_argument(
        "--rates", default=DEFAULT_RATES, help=f"依次施加的速率（次/秒，默认 {DEFAULT_RATES}）"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 工作进程数（默认 3，与 serve 相同）")
    parser.add_argument("--clients", type=int, default=64, help="并发客户端线程上限")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, workers: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.settings"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 90 s")


class _Client(threading.local):
    def conn(self, port):
        if getattr(self, "c", None) is None:
            self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        return self.c

    def drop(self):
        if getattr(self, "c", None) is not None:
            self.c.close()
        self.c = None


def _step(
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict,
    expect: int,
    rate: float,
    seconds: float,
    clients: int,
) -> dict:
    local = _Client()
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one():
        t = time.perf_counter()
        try:
            c = local.conn(port)
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            r.read()
            ok = r.status == expect
            if r.getheader("Connection", "").lower() == "close":
                local.drop()
            status = str(r.status)
        except (OSError, http.client.HTTPException) as exc:
            local.drop()
            ok, status = False, type(exc).__name__
        dt = time.perf_counter() - t
        with lock:
            lat.append(dt)
            if not ok:
                errors.append(status)

    n = max(1, int(rate * seconds))
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for i in range(n):
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(one)
    lat.sort()
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else float("inf")
    return {"n": n, "errors": errors, "p95": p95, "held": not errors and p95 < 1.0}


def run(out, seconds: int = 300, rates: str = DEFAULT_RATES, workers: int = 3, clients: int = 64, **_):
    from django.db import connection

    from grassroots.bench.cases import _city
    from grassroots.cases.models import Case

    steps = [float(r) for r in rates.split(",") if r.strip()]
    if not steps or seconds < 2 * len(steps):
        out.write("--seconds 须不少于速率档数的 2 倍")
        return
    if connection.vendor != "postgresql":
        out.write("注意：当前为 SQLite；本基准按 PostgreSQL 部署设计，SQLite 下的写并发结果仅供参考。")
    city, _district, _street, community, _users, token = _city()
    connection.close()  # the server processes open their own connections
    per_step = seconds / (2 * len(steps))
    port = _free_port()
    server = _start_server(port, workers)
    auth = {"Authorization": f"Bearer {token}"}
    post_body = json.dumps(
        {"channel": "patrol", "community": community.code, "description": MARK + "：小区门口路灯不亮"}
    ).encode()
    post_headers = {**auth, "Content-Type": "application/json"}
    out.write(
        f"生产服务器：gunicorn {workers} 进程 × 4 线程，127.0.0.1:{port}；每档 {per_step:.1f} 秒，开环施压，达标 = 0 错误且 p95 < 1 秒"
    )
    best = {"submit": 0.0, "trivial": 0.0}
    try:
        for label, method, path, body, headers, expect in (
            ("trivial", "GET", "/api/v1/accounts/me", None, auth, 200),
            ("submit", "POST", "/api/v1/cases/", post_body, post_headers, 201),
        ):
            name = (
                "GET /api/v1/accounts/me（简单接口）"
                if label == "trivial"
                else "POST /api/v1/cases/（受理诉求）"
            )
            out.write(name)
            for rate in steps:
                r = _step(port, method, path, body, headers, expect, rate, per_step, clients)
                errs = (
                    f"，错误 {len(r['errors'])}（{', '.join(sorted(set(r['errors'])))}）"
                    if r["errors"]
                    else ""
                )
                out.write(
                    f"    {rate:6.0f} 次/秒 × {r['n']:5d} 次：p95 {r['p95'] * 1000:7.0f} ms{errs}  {'达标' if r['held'] else '未达标'}"
                )
                if not r["held"]:
                    break
                best[label] = rate
        out.write(f"最高持续速率：受理诉求 {best['submit']:.0f} 次/秒；简单接口 {best['trivial']:.0f} 次/秒")
        if best["trivial"]:
            out.write(f"受理诉求为简单接口的 {best['submit'] / best['trivial'] * 100:.0f}%（目标 ≥ 50%）")
        if best["trivial"] == steps[-1]:
            out.write("（简单接口达到了最高一档，可用 --rates 加档）")
    finally:
        server.terminate()
        server.wait(timeout=30)
        n, _ = Case.objects.filter(region__path__startswith=city.path, description__startswith=MARK).delete()
        out.write(f"已删除本次提交的工单及其关联记录 {n} 条")
