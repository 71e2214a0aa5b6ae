"""`grassroots bench pages`: what each role waits for, page by page, through the production server.

Starts gunicorn (as `grassroots serve` does, on a free local port, with this database), signs in every
demo account (admin, street, community, gridworker, dept, member, auditor, resident) and walks, for each,
the pages reachable from its home breadth-first, the way the dead-link test does (same links, same
skips), up to `--pages` per role. Every page is fetched whole over HTTP, HTML rendered; its time is the
request's wall time. The baseline, in the same run and on the same server: the login page, fetched as
many times as the largest crawl.

Printed: p50 and p95 per role and for the home pages (the first load after sign-in: a cold per-user
cache), the ratio of each p95 to the login page's p95, the 10 slowest pages, and any answer ≥ 500. The
targets of issue 20 are p95 < 500 ms for every page and < 300 ms for home pages at the city preset; the
verdict is on p95.

With an empty database the `--preset` city is generated first (default small); with data present the
bench uses it as it is.
"""

# ruff: noqa: E501  (printed report lines read better unwrapped)
from __future__ import annotations

import http.client
import statistics
import time
from collections import deque
from urllib.parse import urljoin, urlsplit

from .crawl import links_of
from .intake import _free_port, start_server

ROLES = ["admin", "street", "community", "gridworker", "dept", "member", "auditor", "resident"]


def add_arguments(parser):
    parser.add_argument("--preset", default="small", help="数据库为空时先生成的演示城市（默认 small）")
    parser.add_argument("--pages", type=int, default=150, help="每个角色最多访问的页面数（默认 150）")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 工作进程数（默认 3，与 serve 相同）")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _sessions() -> dict[str, str]:
    """A signed-in session per demo account, made through Django's login (no password needed)."""
    from django.conf import settings
    from django.test import Client
    from django.utils.crypto import get_random_string

    from grassroots.accounts.models import User
    from grassroots.demo.management.commands.demoadmin import create_demo_accounts

    if User.objects.filter(username__in=ROLES).count() != len(ROLES):
        create_demo_accounts(get_random_string(24))  # creates the missing ones; passwords stay as they are
    out = {}
    for user in User.objects.filter(username__in=ROLES, is_active=True):
        client = Client()
        client.force_login(user)
        out[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return out


class _Fetcher:
    def __init__(self, port: int, cookie: str | None):
        self.port, self.cookie = port, cookie
        self.conn = None

    def get(self, path: str, max_redirects: int = 5) -> tuple[int, float, str, str]:
        """(status, seconds, final path, html) following redirects; the time counts every hop."""
        from django.conf import settings

        headers = {"Accept": "text/html"}
        if self.cookie:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={self.cookie}"
        started = time.perf_counter()
        for _ in range(max_redirects + 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request("GET", path, headers=headers)
                r = self.conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                return 599, time.perf_counter() - started, path, ""
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            location = r.getheader("Location")
            if r.status in (301, 302, 303, 307, 308) and location:
                target = urlsplit(urljoin(f"http://127.0.0.1:{self.port}{path}", location))
                path = target.path + (f"?{target.query}" if target.query else "")
                continue
            html = body.decode(errors="replace") if "text/html" in (r.getheader("Content-Type") or "") else ""
            return r.status, time.perf_counter() - started, path, html
        return 310, time.perf_counter() - started, path, ""


def _crawl(fetch: _Fetcher, port: int, limit: int) -> list[tuple[str, int, float]]:
    queue, seen, rows = deque(["/"]), {"/"}, []
    while queue and len(rows) < limit:
        path = queue.popleft()
        status, seconds, final, html = fetch.get(path)
        rows.append((path, status, seconds))
        if html:
            for link in links_of(html, f"http://127.0.0.1:{port}{final}"):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    return rows


def run(out, preset: str = "small", pages: int = 150, workers: int = 3, **_):
    from django.core.management import call_command
    from django.db import connection

    from grassroots.regions.models import Region

    if not Region.objects.exists():
        out.write(f"数据库为空：先生成演示城市 {preset}")
        call_command("demo", preset=preset)
    communities = Region.objects.filter(level="community").count()
    sessions = _sessions()
    connection.close()  # the server processes open their own connections
    port = _free_port()
    server = start_server(port, workers)[0]
    out.write(
        f"生产服务器：gunicorn {workers} 进程 × 4 线程，127.0.0.1:{port}；{connection.vendor}，{communities} 个社区；每个角色最多 {pages} 页"
    )
    results: dict[str, list[tuple[str, int, float]]] = {}
    try:
        for role in ROLES:
            if role not in sessions:
                out.write(f"  {role}: 没有该演示账号，跳过")
                continue
            results[role] = _crawl(_Fetcher(port, sessions[role]), port, pages)
        n = max((len(r) for r in results.values()), default=pages)
        anon = _Fetcher(port, None)
        answers = [anon.get("/accounts/login/")[:2] for _ in range(n)]
        baseline = [seconds for status, seconds in answers if status == 200]
        if len(baseline) < len(answers):
            out.write(f"注意：登录页有 {len(answers) - len(baseline)} 次未返回 200，未计入基线")
    finally:
        server.terminate()
        server.wait(timeout=30)
    base_p50, base_p95 = _pct(baseline, 50), _pct(baseline, 95)
    out.write(f"基线 登录页 ×{len(baseline)}：p50 {_ms(base_p50)}，p95 {_ms(base_p95)}")
    out.write(
        f"{'角色':<12}{'页数':>6}{'p50':>10}{'p95':>10}{'p95/基线':>10}{'首页':>10}  判定（p95 < 500 ms，首页 < 300 ms）"
    )
    everything, errors = [], []
    for role, rows in results.items():
        times = [s for _p, status, s in rows if status < 500]
        everything += [(s, role, p, status) for p, status, s in rows]
        errors += [(role, p, status) for p, status, _s in rows if status >= 500]
        p50, p95 = _pct(times, 50), _pct(times, 95)
        home = rows[0][2] if rows else 0.0
        verdict = "达标" if p95 < 0.5 and home < 0.3 else "未达标"
        out.write(
            f"{role:<12}{len(rows):>6}{_ms(p50):>10}{_ms(p95):>10}{p95 / base_p95 if base_p95 else 0:>9.1f}×{_ms(home):>10}  {verdict}"
        )
    homes = [rows[0][2] for rows in results.values() if rows]
    if homes:
        out.write(
            f"各角色首页（登录后首次打开）：p50 {_ms(statistics.median(homes))}，最慢 {_ms(max(homes))}"
        )
    out.write("最慢的 10 个页面：")
    for seconds, role, path, status in sorted(everything, reverse=True)[:10]:
        out.write(f"  {_ms(seconds):>9}  {status}  {role:<11} {path}")
    if errors:
        out.write(f"服务器错误 {len(errors)} 个：")
        for role, path, status in errors[:20]:
            out.write(f"  {status} {role} {path}")
