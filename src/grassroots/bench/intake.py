"""`grassroots bench intake`: case submissions over real HTTP against the production server.

Starts gunicorn with the command line of `grassroots serve` (cli.gunicorn_command: same config, app
preloaded; on a free local port, same settings and database) and prints the time from start to the
first answered page. Then, in the same run and on the same server, beside the trivial endpoint
GET /api/v1/accounts/me (token auth and grants only):

- POST /api/v1/cases/ (token auth, validation, scoped community lookup, the submit service with its
  event and audit rows: the grid worker's / hotline intake path);
- POST /cases/report/ (the resident's H5 form as a signed-in resident: session, CSRF, form
  validation, the submit service, the redirect to the tracking page; the receipt is a background task).

1. Closed loop: `--clients` clients each send requests back to back for `--closed-seconds`; printed:
   rate, p50 and p95 per endpoint and the ratio of each submit to the trivial endpoint with the verdict
   (target of issue 20: ≥ 50 %).
2. Open loop: load offered at increasing rates (requests leave on schedule whether or not earlier ones
   came back), each step `--seconds / (2 × steps)`; a rate is "held" when every request answered as
   expected (201 / 302 / 200) and p95 < 1 s. Printed: the highest rate held by each endpoint.

Meant for PostgreSQL (runs on SQLite too, with a note). The submitted cases are deleted at the end
(through the ORM, so their events go too).
"""

# ruff: noqa: E501  (printed report lines read better unwrapped)
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

DEFAULT_RATES = "2,5,10,20,40,60,80,120,160"
MARK = "基准测试（持续受理）"
RECEIPT_TASK = "grassroots.cases.tasks.tell_reporter"


def add_arguments(parser):
    parser.add_argument("--seconds", type=int, default=300, help="开环总时长（秒，默认 300；0 = 不测开环）")
    parser.add_argument(
        "--rates", default=DEFAULT_RATES, help=f"开环依次施加的速率（次/秒，默认 {DEFAULT_RATES}）"
    )
    parser.add_argument("--closed-seconds", type=int, default=30, help="闭环每个接口的时长（秒，默认 30）")
    parser.add_argument("--clients", type=int, default=8, help="闭环并发客户端数（默认 8）")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 工作进程数（默认 3，与 serve 相同）")
    parser.add_argument("--open-clients", type=int, default=64, help="开环并发客户端线程上限")
    parser.add_argument(
        "--port", type=int, default=0, help="测量已在 127.0.0.1 该端口运行的服务（同一数据库）；默认自行启动"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> tuple[subprocess.Popen, float, float]:
    """gunicorn as `grassroots serve` runs it. Returns (process, seconds from start until the port
    accepts connections, seconds the first page then took). A server that loads the app per worker
    on its first request accepts early and answers that request late; a preloaded one accepts once
    loaded and answers at once."""
    from grassroots.cli import gunicorn_command

    cmd = gunicorn_command(f"127.0.0.1:{port}", workers, ["--log-level", "warning"])
    return _wait_ready(
        subprocess.Popen(
            cmd,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.settings"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        port,
    )


def _wait_ready(proc: subprocess.Popen, port: int) -> tuple[subprocess.Popen, float, float]:
    t = time.perf_counter()
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.05)
            continue
        sock.close()
        listening = time.perf_counter() - t
        first = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", "/accounts/login/")
        if conn.getresponse().status == 200:
            return proc, listening, time.perf_counter() - first
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 600 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Endpoint:
    """One kind of request. `prepare(conn)` (optional) runs once per client connection and returns
    extra headers and form fields (a session's CSRF token)."""

    label: str
    method: str
    path: str
    expect: int
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    prepare: object = None


class _Client:
    def __init__(self, port: int, ep: Endpoint):
        self.port, self.ep = port, ep
        self.c = None
        self.headers, self.body = dict(ep.headers), ep.body

    def request(self) -> tuple[bool, str]:
        try:
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if self.ep.prepare is not None:
                    self.headers, self.body = self.ep.prepare(self.c, self.ep)
            self.c.request(self.ep.method, self.ep.path, body=self.body, headers=self.headers)
            r = self.c.getresponse()
            r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.drop()
            return r.status == self.ep.expect, str(r.status)
        except (OSError, http.client.HTTPException) as exc:
            self.drop()
            return False, type(exc).__name__

    def drop(self):
        if self.c is not None:
            self.c.close()
        self.c = None


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("inf")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def closed_loop(port: int, ep: Endpoint, clients: int, seconds: float) -> dict:
    """`clients` clients, each sending the next request as soon as the previous one answered."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client():
        cl = _Client(port, ep)
        mine, bad = [], []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            ok, status = cl.request()
            mine.append(time.perf_counter() - t)
            if not ok:
                bad.append(status)
        cl.drop()
        with lock:
            lat.extend(mine)
            errors.extend(bad)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    ok = len(lat) - len(errors)
    return {
        "n": len(lat),
        "rate": ok / elapsed,
        "p50": _pct(lat, 0.5),
        "p95": _pct(lat, 0.95),
        "errors": errors,
    }


def open_step(port: int, ep: Endpoint, rate: float, seconds: float, clients: int) -> dict:
    local = threading.local()
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one():
        cl = getattr(local, "cl", None)
        if cl is None:
            cl = local.cl = _Client(port, ep)
        t = time.perf_counter()
        ok, status = cl.request()
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
    p95 = _pct(lat, 0.95)
    return {"n": n, "errors": errors, "p95": p95, "held": not errors and p95 < 1.0}


def _h5_prepare(conn: http.client.HTTPConnection, ep: Endpoint) -> tuple[dict, bytes]:
    """A signed-in resident's phone opening the form: the CSRF cookie and token of its session."""
    from urllib.parse import urlencode

    conn.request("GET", ep.path, headers=ep.headers)
    r = conn.getresponse()
    html = r.read().decode()
    cookies = dict(c.split(";", 1)[0].split("=", 1) for c in r.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in {**_cookie_dict(ep.headers), **cookies}.items())
    form = {**json.loads(ep.body), "csrfmiddlewaretoken": token}
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://{conn.host}:{conn.port}{ep.path}",
    }
    return headers, urlencode(form).encode()


def _cookie_dict(headers: dict) -> dict:
    raw = headers.get("Cookie", "")
    return dict(p.strip().split("=", 1) for p in raw.split(";") if "=" in p)


def resident_session(community) -> str:
    """A session of a signed-in resident (as the SMS login leaves one), for the H5 form."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from grassroots.accounts.models import Role, RoleAssignment, User

    user, _ = User.objects.get_or_create(username="bench_intake_resident")
    RoleAssignment.objects.get_or_create(user=user, role=Role.objects.get(code="resident"), region=None)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b)
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def endpoints(community, token: str, session_key: str | None) -> list[Endpoint]:
    from django.conf import settings

    auth = {"Authorization": f"Bearer {token}"}
    out = [
        Endpoint("GET /api/v1/accounts/me（简单接口）", "GET", "/api/v1/accounts/me", 200, None, auth),
        Endpoint(
            "POST /api/v1/cases/（受理诉求，接口）",
            "POST",
            "/api/v1/cases/",
            201,
            json.dumps(
                {"channel": "patrol", "community": community.code, "description": MARK + "：小区门口路灯不亮"}
            ).encode(),
            {**auth, "Content-Type": "application/json"},
        ),
    ]
    if session_key:
        out.append(
            Endpoint(
                "POST /cases/report/（居民随手拍，H5 表单）",
                "POST",
                "/cases/report/",
                302,
                json.dumps(
                    {
                        "community": community.pk,
                        "description": MARK + "：楼道灯坏了",
                        "reporter_phone": "13900000000",
                    }
                ).encode(),
                {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
                prepare=_h5_prepare,
            )
        )
    return out


def run(
    out,
    seconds: int = 300,
    rates: str = DEFAULT_RATES,
    workers: int = 3,
    clients: int = 8,
    closed_seconds: int = 30,
    open_clients: int = 64,
    port: int = 0,
    **_,
):
    from django.db import connection
    from django.utils import timezone

    from grassroots.bench.cases import _city
    from grassroots.cases.models import Case

    steps = [float(r) for r in rates.split(",") if r.strip()]
    if seconds and (not steps or seconds < 2 * len(steps)):
        out.write("--seconds 须不少于速率档数的 2 倍")
        return
    if connection.vendor != "postgresql":
        out.write("注意：当前为 SQLite；本基准按 PostgreSQL 部署设计，SQLite 下的写并发结果仅供参考。")
    city, _district, _street, community, _users, token = _city()
    session_key = resident_session(community)
    connection.close()  # the server processes open their own connections
    from django_tasks_db.models import DBTaskResult

    since = timezone.now()
    server = None
    if port:
        out.write(f"测量已运行的服务：127.0.0.1:{port}")
    else:
        port = _free_port()
        server, listening, first = start_server(port, workers)
        out.write(
            f"生产服务器（与 grassroots serve 相同的命令行）：gunicorn {workers} 进程 × 4 线程，127.0.0.1:{port}；"
            f"启动后 {listening:.1f} 秒开始接受连接，首个页面随后 {first:.2f} 秒应答（目标 < 2 秒）"
        )
    eps = endpoints(community, token, session_key)
    try:
        if closed_seconds > 0:
            out.write(f"① 闭环：{clients} 个客户端各自连续请求，每个接口 {closed_seconds} 秒")
            for ep in eps:  # warm every worker and connection path before measuring
                closed_loop(port, ep, clients, 2)
            figures = {}
            for ep in eps:
                r = closed_loop(port, ep, clients, closed_seconds)
                figures[ep.path] = r
                errs = (
                    f"，错误 {len(r['errors'])}（{', '.join(sorted(set(r['errors'])))}）"
                    if r["errors"]
                    else ""
                )
                out.write(
                    f"    {ep.label:<34} {r['rate']:7.1f} 次/秒  p50 {r['p50'] * 1000:6.0f} ms  p95 {r['p95'] * 1000:6.0f} ms  共 {r['n']} 次{errs}"
                )
            trivial = figures[eps[0].path]["rate"]
            for ep in eps[1:]:
                ratio = figures[ep.path]["rate"] / trivial if trivial else 0.0
                ok = ratio >= 0.5 and not figures[ep.path]["errors"]
                out.write(
                    f"    {ep.label}：为简单接口的 {ratio * 100:.0f}%（目标 ≥ 50%）{'达标' if ok else '未达标'}"
                )
        if seconds:
            per_step = seconds / (2 * len(steps))
            out.write(f"② 开环：每档 {per_step:.1f} 秒，达标 = 0 错误且 p95 < 1 秒")
            best = {}
            for ep in eps[:2]:
                out.write("    " + ep.label)
                best[ep.path] = 0.0
                for rate in steps:
                    r = open_step(port, ep, rate, per_step, open_clients)
                    errs = (
                        f"，错误 {len(r['errors'])}（{', '.join(sorted(set(r['errors'])))}）"
                        if r["errors"]
                        else ""
                    )
                    out.write(
                        f"      {rate:6.0f} 次/秒 × {r['n']:5d} 次：p95 {r['p95'] * 1000:7.0f} ms{errs}  {'达标' if r['held'] else '未达标'}"
                    )
                    if not r["held"]:
                        break
                    best[ep.path] = rate
            sub, triv = best[eps[1].path], best[eps[0].path]
            out.write(f"    最高持续速率：受理诉求 {sub:.0f} 次/秒；简单接口 {triv:.0f} 次/秒")
            if triv:
                out.write(f"    受理诉求为简单接口的 {sub / triv * 100:.0f}%（目标 ≥ 50%）")
            if triv == steps[-1]:
                out.write("    （简单接口达到了最高一档，可用 --rates 加档）")
    finally:
        if server is not None:
            stop_server(server)
        n, _ = Case.objects.filter(region__path__startswith=city.path, description__startswith=MARK).delete()
        # the receipts queued for the bench's H5 reports (their cases are gone)
        DBTaskResult.objects.filter(task_path=RECEIPT_TASK, enqueued_at__gte=since).delete()
        out.write(f"已删除本次提交的工单及其关联记录 {n} 条")
