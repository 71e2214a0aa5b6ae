"""`grassroots bench cases`: the case engine at city scale on PostgreSQL (refused on SQLite).

Builds (once, reused afterwards) a compact synthetic city — 1 district, 10 streets, 100 communities,
4 grids and one handler per community, 10 street handlers, 5 departments — and fills it with
`--cases` cases (default 1,000,000) by INSERT ... SELECT generate_series in chunks (the rows are made
inside the server: no client round trip at all, faster than a COPY streamed from Python), spread over the
last 365 days with realistic states, deadlines, channels and categories, each with its submit and
dispatch events (the event table is partitioned by month on PostgreSQL: cases/partitions.py). Then
prints five figures, each beside a baseline measured in the same run:

1. a street admin's filtered case list (state + category class, first page of 25 and the total):
   the real CaseListView queryset (visible_to scope, filters, ordering, paginator), p50 / p95, vs the
   equivalent hand-written SQL;
2. a district admin's dashboard aggregation: cases.stats.case_stats (totals, deadline compliance,
   trend, by category / channel / tier / state / grid / handler) over 90 days, read from the daily
   summary (cases.casedays, rebuilt after generation as a rollup run does), vs a raw SQL read of the
   same summary rows; and, for reference, vs the same aggregates over the case rows in raw SQL;
3. submit throughput over real HTTP through the production server (gunicorn started as `serve` runs
   it, bench.intake): POST /api/v1/cases/ (token auth, validation, scoped community lookup, the submit
   service with its event and audit rows) from `--threads` closed-loop clients, beside
   GET /api/v1/accounts/me (auth + grants only) on the same server, p50 / p95 and the verdict.

4. what the street admin waits for: the case list page (as first opened, and filtered) fetched whole
   over HTTP from gunicorn (as `grassroots serve` runs it), beside raw SQL of the same list query;
5. the district admin's case statistics page over HTTP, beside a raw SQL read of the district's rows
   of the statistics summary (cases_caseday), with its p95 against the 500 ms
   target.

Targets (issue 20): p50 and p95 at most 1.5× the baseline; the verdict is on both. Without --keep the generated cases are deleted at the end (the
small region tree, handlers and users stay and are reused).
"""

# ruff: noqa: E501  (SQL text and printed report lines read better unwrapped)
from __future__ import annotations

import time

BENCH_CITY = "990000000000"
N_STREETS = 10
COMMUNITIES_PER_STREET = 10
GRIDS_PER_COMMUNITY = 4
CHUNK = 250_000
NUMBER_PREFIX = "BC"
TARGET = 1.5


def add_arguments(parser):
    parser.add_argument("--cases", type=int, default=1_000_000, help="工单数（默认 100 万）")
    parser.add_argument("--keep", action="store_true", help="保留生成的工单，下次运行直接复用")
    parser.add_argument("--runs", type=int, default=40, help="读取类指标的重复次数")
    parser.add_argument("--submits", type=int, default=400, help="HTTP 提交次数")
    parser.add_argument("--threads", type=int, default=4, help="HTTP 并发客户端数")
    parser.add_argument("--workers", type=int, default=2, help="页面测量用的 gunicorn 工作进程数（默认 2）")
    parser.add_argument(
        "--figures", default="1,2,3,4,5", help="要测量的指标编号，逗号分隔（默认全部：1,2,3,4,5）"
    )


# ------------------------------------------------------------------------------------------ city
def _city():
    from grassroots.accounts.models import ApiToken, Role, RoleAssignment, User
    from grassroots.cases.models import Handler
    from grassroots.core.text import initials
    from grassroots.grids.models import Grid
    from grassroots.regions.models import Region

    city = Region.objects.filter(code=BENCH_CITY).first()
    if city is None:
        city = Region.objects.add_root(create_kwargs={"code": BENCH_CITY, "name": "基准市", "level": "city"})
        district = Region.objects.add_child(
            city, create_kwargs={"code": "990100000000", "name": "基准区", "level": "district"}
        )
        grids, handlers = [], []
        for s in range(1, N_STREETS + 1):
            street = Region.objects.add_child(
                district,
                create_kwargs={"code": f"990100{s:03d}000", "name": f"基准第{s}街道", "level": "street"},
            )
            handlers.append(Handler(kind="street", name=street.name, region=street))
            for c in range(1, COMMUNITIES_PER_STREET + 1):
                code = f"990100{s:03d}{c:03d}"
                x, y = 120.0 + s * 0.05 + c * 0.004, 36.0 + c * 0.004
                community = Region.objects.add_child(
                    street,
                    create_kwargs={
                        "code": code,
                        "name": f"基准{s}-{c}社区",
                        "level": "community",
                        "lng": x,
                        "lat": y,
                    },
                )
                handlers.append(Handler(kind="community", name=f"{community.name}居委会", region=community))
                for g in range(1, GRIDS_PER_COMMUNITY + 1):
                    gx = x + (g - 1) * 0.001
                    ring = [[gx, y], [gx + 0.001, y], [gx + 0.001, y + 0.003], [gx, y + 0.003], [gx, y]]
                    name = f"{community.name}第{g}网格"
                    grids.append(
                        Grid(
                            region=community,
                            code=f"{code}{g:03d}",
                            name=name,
                            name_initials=initials(name),
                            polygon={"type": "Polygon", "coordinates": [ring]},
                            area_m2=30000,
                            lng=gx + 0.0005,
                            lat=y + 0.0015,
                        )
                    )
        for d in range(1, 6):
            handlers.append(Handler(kind="department", name=f"基准区职能部门{d}", region=district))
        Grid.objects.bulk_create(grids)
        Handler.objects.bulk_create(handlers)
    district = Region.objects.get(code="990100000000")
    street = Region.objects.get(code="990100001000")
    community = Region.objects.get(code="990100001001")
    users = {}
    for username, role, node in (
        ("bench_cases_street", "street_admin", street),
        ("bench_cases_district", "district_admin", district),
        ("bench_cases_worker", "grid_worker", community),
    ):
        user, _ = User.objects.get_or_create(username=username)
        RoleAssignment.objects.get_or_create(user=user, role=Role.objects.get(code=role), region=node)
        users[role] = user
    _t, token = ApiToken.issue(users["grid_worker"], name="bench")
    return city, district, street, community, users, token


def _generate(city, start: int, end: int, out) -> None:
    """Cases start..end (inclusive) of the bench city, by INSERT ... SELECT generate_series."""
    from django.db import connection

    from grassroots.cases.models import Case, Category, Handler
    from grassroots.grids.models import Grid
    from grassroots.regions.models import Region

    communities = list(
        Region.objects.filter(path__startswith=city.path, level="community")
        .order_by("path")
        .values_list("id", flat=True)
    )
    grids = {}
    for gid, rid in (
        Grid.objects.filter(region_id__in=communities).order_by("code").values_list("id", "region_id")
    ):
        grids.setdefault(rid, []).append(gid)
    handler_of = dict(
        Handler.objects.filter(region_id__in=communities, kind="community").values_list("region_id", "id")
    )
    depts = list(
        Handler.objects.filter(region__path__startswith=city.path, kind="department").values_list(
            "id", flat=True
        )
    )
    leaves = list(
        Category.objects.filter(parent__isnull=False, is_active=True)
        .order_by("code")
        .values_list("id", flat=True)
    )
    comm_arr = "(ARRAY[" + ",".join(map(str, communities)) + "])"
    grid_arr = "(ARRAY[" + ",".join(str(g) for rid in communities for g in grids[rid]) + "])"
    handler_arr = "(ARRAY[" + ",".join(str(handler_of[rid]) for rid in communities) + "])"
    dept_arr = "(ARRAY[" + ",".join(map(str, depts)) + "])"
    cat_arr = "(ARRAY[" + ",".join(map(str, leaves)) + "])"
    n_comm, n_cat, n_dept = len(communities), len(leaves), len(depts)
    table = Case._meta.db_table
    # state by bucket of 100: 0-54 closed, 55-59 closed_unresolved, 60-64 evaluated, 65-69 resolved,
    # 70-79 in_progress, 80-86 accepted, 87-93 dispatched, 94-95 returned, 96-97 triaged, 98-99 submitted
    sql = f"""
    INSERT INTO {table} (
        number, external_number, channel, category_id, tier, description, lng, lat, address, region_id, grid_id,
        reporter_name, reporter_phone, handler_id, state, submitted_at, triaged_at, dispatched_at,
        accepted_at, resolved_at, evaluated_at, closed_at, due_soon_at, due_at, reopen_count, return_count,
        resolution, score, version, public_description, public_hidden, reporter_phone_hash
    )
    SELECT
        '{NUMBER_PREFIX}' || lpad(i::text, 9, '0'), '',
        (ARRAY['h5','patrol','hotline','walk_in','visit','night_visit','import'])[1 + (i * 7 + i / 13) % 7],
        {cat_arr}[1 + (i * 31) % {n_cat}],
        (ARRAY['minor','minor','major','private'])[1 + (i / 3) % 4],
        '基准诉求 ' || i, 120.0 + (c % 100) * 0.004 + (i % 997) * 0.000002, 36.0 + (i % 991) * 0.000002,
        '基准路 ' || (i % 500) || ' 号', {comm_arr}[1 + c], {grid_arr}[1 + c * {GRIDS_PER_COMMUNITY} + (i / 7) % {GRIDS_PER_COMMUNITY}],
        '居民' || (i % 1000), '138' || lpad((i % 100000000)::text, 8, '0'),
        CASE WHEN b >= 94 THEN NULL WHEN b % 9 = 0 THEN {dept_arr}[1 + i % {n_dept}] ELSE {handler_arr}[1 + c] END,
        CASE WHEN b < 55 THEN 'closed' WHEN b < 60 THEN 'closed_unresolved' WHEN b < 65 THEN 'evaluated'
             WHEN b < 70 THEN 'resolved' WHEN b < 80 THEN 'in_progress' WHEN b < 87 THEN 'accepted'
             WHEN b < 94 THEN 'dispatched' WHEN b < 96 THEN 'returned' WHEN b < 98 THEN 'triaged' ELSE 'submitted' END,
        t, t + interval '1 hour',
        CASE WHEN b < 94 THEN t + interval '2 hours' END,
        CASE WHEN b < 87 THEN t + interval '5 hours' END,
        CASE WHEN b < 70 THEN t + interval '2 hours' + (i % 150) * interval '1 hour' END,
        CASE WHEN b < 65 THEN t + interval '8 days' END,
        CASE WHEN b < 60 THEN t + interval '9 days' END,
        CASE WHEN b < 94 THEN t + interval '2 hours' + interval '96 hours' END,
        CASE WHEN b < 94 THEN t + interval '2 hours' + interval '120 hours' END,
        CASE WHEN b BETWEEN 55 AND 59 THEN 1 WHEN b % 17 = 0 THEN 1 ELSE 0 END,
        CASE WHEN b >= 94 THEN 1 + i % 3 WHEN b % 23 = 0 THEN 1 ELSE 0 END,
        CASE WHEN b < 70 THEN '已处理完毕' ELSE '' END,
        CASE WHEN b < 55 THEN 100 - 20 * (i % 2) WHEN b < 60 THEN 0 END,
        0, '', false, ''
    FROM (
        SELECT i, (i * 37 + i / 101) % {n_comm} AS c, (i * 53 + i / 7) % 100 AS b,
               now() - ((i * 7919) % 31536000) * interval '1 second' AS t
        FROM generate_series(%s::bigint, %s::bigint) AS i
    ) s
    """
    sql = sql.replace(" % ", " %% ")  # modulo, not a placeholder
    with connection.cursor() as cur:
        lo = start
        while lo <= end:
            hi = min(lo + CHUNK - 1, end)
            t = time.perf_counter()
            cur.execute(sql, [lo, hi])
            # Their timelines: the submit step, and the dispatch step of every dispatched case, into the
            # event table (partitioned by month on PostgreSQL: rows land in their month's partition).
            cur.execute(EVENTS_SQL, [f"{NUMBER_PREFIX}{lo:09d}", f"{NUMBER_PREFIX}{hi:09d}"])
            out.write(
                f"  已生成 {hi:,} 条（本批 {hi - lo + 1:,} 条及其纪实，{time.perf_counter() - t:.1f} 秒）"
            )
            lo = hi + 1
        cur.execute(f"ANALYZE {table}")
        cur.execute("ANALYZE cases_caseevent")


EVENTS_SQL = """
INSERT INTO cases_caseevent (case_id, step, from_state, to_state, actor_name, handler_id, note, data, created_at)
SELECT c.id, e.step, e.from_state, e.to_state, '基准', CASE WHEN e.step = 'dispatch' THEN c.handler_id END, '', '{}',
       CASE WHEN e.step = 'dispatch' THEN c.dispatched_at ELSE c.submitted_at END
FROM cases_case c
CROSS JOIN (VALUES ('submit', '', 'submitted'), ('dispatch', 'triaged', 'dispatched')) AS e(step, from_state, to_state)
WHERE c.number BETWEEN %s AND %s AND (e.step = 'submit' OR c.dispatched_at IS NOT NULL)
"""


def _cleanup(city, out) -> None:
    from django.db import connection

    from grassroots.cases.models import Case

    t = time.perf_counter()
    # Cases submitted over HTTP have events and audit rows: delete them through the ORM (cascades).
    Case.objects.filter(region__path__startswith=city.path).exclude(number__startswith=NUMBER_PREFIX).delete()
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM cases_caseevent WHERE case_id IN (SELECT id FROM cases_case WHERE number LIKE %s)",
            [NUMBER_PREFIX + "%"],
        )
        cur.execute(f"DELETE FROM {Case._meta.db_table} WHERE number LIKE %s", [NUMBER_PREFIX + "%"])
        n = cur.rowcount
    out.write(f"已删除生成的工单 {n:,} 条（{time.perf_counter() - t:.1f} 秒）；使用 --keep 可保留以便复用")


# ------------------------------------------------------------------------------------------ timing
def _times(fn, runs: int) -> list[float]:
    fn()  # warm-up (plans, caches)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def _line(
    out, label: str, ours: list[float], raw: list[float], target: float = TARGET, base: str = "原生SQL"
) -> float:
    """p50 and p95 of ours beside the baseline; the verdict is on p95 (issue 20: ≤ 1.5× at p50 and p95)."""
    p50, p95 = _pct(ours, 50) * 1000, _pct(ours, 95) * 1000
    r50, r95 = _pct(raw, 50) * 1000, _pct(raw, 95) * 1000
    q50 = p50 / r50 if r50 else float("inf")
    q95 = p95 / r95 if r95 else float("inf")
    out.write(f"  {label}")
    out.write(f"    本系统：p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
    out.write(f"    {base}：p50 {r50:8.1f} ms   p95 {r95:8.1f} ms")
    verdict = "达标" if q50 <= target and q95 <= target else "未达标"
    out.write(f"    相对基线：p50 {q50:.2f} 倍，p95 {q95:.2f} 倍（目标 ≤ {target} 倍：{verdict}）")
    return q95


# ------------------------------------------------------------------------------------------ figures
def _list_figure(out, street, users, runs: int) -> None:
    from django.core.paginator import Paginator
    from django.db import connection

    from grassroots.cases.models import Category
    from grassroots.cases.views import CaseListView
    from grassroots.core.exports import _fake_request

    top = Category.objects.filter(parent__isnull=True).order_by("sort", "code").first()
    params = {"state": "in_progress", "category": str(top.pk)}
    user = users["street_admin"]

    def ours():
        view = CaseListView()
        view.setup(_fake_request(user, params))
        page = Paginator(view.get_queryset(), view.paginate_by).get_page(1)
        rows = list(page.object_list)
        return page.paginator.count, [
            (c.number, c.region.name, c.category.name, str(c.handler or "")) for c in rows
        ]

    where = """FROM cases_case c JOIN regions_region r ON r.id = c.region_id
               JOIN cases_category cat ON cat.id = c.category_id
               WHERE r.path LIKE %s AND c.state = %s AND cat.parent_id = %s"""
    args = [street.path + "%", params["state"], top.pk]

    def raw():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) " + where, args)
            total = cur.fetchone()[0]
            cur.execute(
                """SELECT c.id, c.number, c.description, c.tier, c.state, c.submitted_at, c.due_at, c.due_soon_at,
                          c.resolved_at, r.name, cat.name, h.name """
                + where.replace(
                    "JOIN cases_category cat ON cat.id = c.category_id",
                    "JOIN cases_category cat ON cat.id = c.category_id "
                    "LEFT JOIN cases_handler h ON h.id = c.handler_id",
                )
                + " ORDER BY c.submitted_at DESC, c.id DESC LIMIT 25",
                args,
            )
            return total, cur.fetchall()

    n_ours, n_raw = ours()[0], raw()[0]
    assert n_ours == n_raw, (n_ours, n_raw)
    out.write(
        f"① 街道管理员筛选工单列表（{street.name}，状态=办理中，类别={top.name}，共 {n_ours:,} 条，取第 1 页 25 条 + 总数）"
    )
    _line(out, f"{runs} 次", _times(ours, runs), _times(raw, runs))


def _list_sql(street, state: str | None, top_pk: int | None):
    """The street admin's case list as hand-written SQL: the total and the first page of 25 rows with
    the columns the page shows (community, category, handler)."""
    where = "FROM cases_case c JOIN regions_region r ON r.id = c.region_id "
    args: list = [street.path + "%"]
    if top_pk:
        where += "JOIN cases_category cat ON cat.id = c.category_id "
    where += "WHERE r.path LIKE %s"
    if state:
        where += " AND c.state = %s"
        args.append(state)
    if top_pk:
        where += " AND cat.parent_id = %s"
        args.append(top_pk)
    page = (
        "SELECT c.id, c.number, c.description, c.tier, c.state, c.channel, c.submitted_at, c.due_at, c.due_soon_at, "
        "c.resolved_at, r.name, k.name, kp.name, h.name FROM cases_case c JOIN regions_region r ON r.id = c.region_id "
        "LEFT JOIN cases_category k ON k.id = c.category_id LEFT JOIN cases_category kp ON kp.id = k.parent_id "
        "LEFT JOIN cases_handler h ON h.id = c.handler_id "
        + where[where.index("WHERE") :].replace("cat.parent_id", "k.parent_id")
        + " ORDER BY c.submitted_at DESC, c.id DESC LIMIT 25"
    )

    def raw():
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT count(*) " + where, args)
            total = cur.fetchone()[0]
            cur.execute(page, args)
            return total, cur.fetchall()

    return raw


def _http_times(fetch, path: str, runs: int) -> list[float]:
    status, _s, _p, _h = fetch.get(path)  # warm-up: the worker's first request, plans, caches
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    times = []
    for _ in range(runs):
        status, seconds, _p, _h = fetch.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        times.append(seconds)
    return times


def _start_server(port: int, workers: int, wait: int = 600):
    """gunicorn as `grassroots serve` runs it; waits for the login page (a loaded 2-core machine can take
    minutes to boot the workers)."""
    import http.client
    import os
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "gunicorn", "grassroots.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "--threads", "4", "--timeout", "300", "--log-level", "warning"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.settings"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + wait
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not answer within {wait} s")


def _http_figures(out, street, district, runs: int, workers: int, wanted=frozenset({"4", "5"})) -> None:
    """What the user waits for: the rendered pages over HTTP through gunicorn (as `grassroots serve`),
    beside raw SQL of the same list query and a raw SQL read of the district's rollups."""
    import datetime
    from urllib.parse import urlencode

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from grassroots.accounts.models import User
    from grassroots.cases.models import Category

    from .intake import _free_port
    from .pages import _Fetcher

    def session(username):
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    port = _free_port()
    proc = _start_server(port, workers)
    try:
        fetch = _Fetcher(port, session("bench_cases_street"))
        top = Category.objects.filter(parent__isnull=True).order_by("sort", "code").first()
        for params, state, top_pk in (
            ({}, None, None),  # the list as first opened: every case of the street
            ({"state": "in_progress", "category": top.pk}, "in_progress", top.pk),
        ):
            if "4" not in wanted:
                break
            path = "/cases/" + (f"?{urlencode(params)}" if params else "")
            raw = _list_sql(street, state, top_pk)
            total = raw()[0]
            out.write(f"④ 街道管理员工单列表页 {path}（HTTP 渲染完整页面，{street.name}，共 {total:,} 条）")
            _line(out, f"{runs} 次", _http_times(fetch, path, runs), _times(raw, runs))

        if "5" not in wanted:
            return
        fetch = _Fetcher(port, session("bench_cases_district"))
        end = timezone.localdate()
        start = end - datetime.timedelta(days=89)
        path = "/cases/stats/?" + urlencode({"start": start.isoformat(), "end": end.isoformat()})
        rollups = _summary_sql(district, start, end)
        n_rows = sum(len(part) for part in rollups())
        out.write(
            f"⑤ 区级管理员诉求统计页 {path}（HTTP 渲染完整页面）；基线：原生 SQL 读取该区及下级的统计汇总（{n_rows} 行）"
        )
        n = max(5, runs // 4)
        try:
            page_times = _http_times(fetch, path, n)
        except RuntimeError as exc:  # 599: no answer within the fetcher's 120 s
            out.write(f"    统计页无法测量：{exc}（599 = 120 秒内无响应）；目标 p95 < 500 ms：未达标")
            return
        _line(out, f"{n} 次", page_times, _times(rollups, n), base="读汇总")
        p95 = _pct(page_times, 95) * 1000
        out.write(f"    统计页 p95 {p95:.0f} ms（目标 < 500 ms：{'达标' if p95 < 500 else '未达标'}）")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _dashboard_figure(out, district, users, runs: int) -> None:
    import datetime

    from django.db import connection
    from django.utils import timezone

    from grassroots.cases import stats

    user = users["district_admin"]
    end = timezone.localdate()
    start = end - datetime.timedelta(days=89)
    lo, hi = stats.period_bounds(start, end)

    def ours():
        return stats.case_stats(user, start, end)

    scope = "FROM cases_case c JOIN regions_region r ON r.id = c.region_id WHERE r.path LIKE %s"
    base = scope + " AND c.submitted_at >= %s AND c.submitted_at < %s"
    args = [district.path + "%", lo, hi]
    open_states = "('dispatched','accepted','in_progress')"
    queries = [
        (
            f"""SELECT count(*),
                count(*) FILTER (WHERE c.state IN {open_states}),
                count(*) FILTER (WHERE c.state IN ('submitted','triaged','returned')),
                count(*) FILTER (WHERE c.resolved_at IS NOT NULL),
                count(*) FILTER (WHERE c.state = 'closed_unresolved'),
                count(*) FILTER (WHERE c.resolved_at IS NOT NULL AND c.due_at IS NOT NULL AND c.resolved_at <= c.due_at),
                count(*) FILTER (WHERE c.resolved_at IS NOT NULL AND c.due_at IS NOT NULL AND c.resolved_at > c.due_at),
                count(*) FILTER (WHERE c.state IN {open_states} AND (c.due_soon_at > now() OR (c.due_soon_at IS NULL AND c.due_at > now()))),
                count(*) FILTER (WHERE c.state IN {open_states} AND c.due_soon_at <= now() AND c.due_at > now()),
                count(*) FILTER (WHERE c.state IN {open_states} AND c.due_at <= now()) {base}""",
            args,
        ),
        (
            f"SELECT date_trunc('day', c.submitted_at AT TIME ZONE 'Asia/Shanghai') d, count(*) {base} GROUP BY d ORDER BY d",
            args,
        ),
        (
            f"SELECT date_trunc('day', c.resolved_at AT TIME ZONE 'Asia/Shanghai') d, count(*) {scope} "
            "AND c.resolved_at >= %s AND c.resolved_at < %s GROUP BY d ORDER BY d",
            args,
        ),
        (
            "SELECT COALESCE(cat.parent_id, c.category_id) k, count(*) FROM cases_case c JOIN regions_region r ON r.id = c.region_id "
            "LEFT JOIN cases_category cat ON cat.id = c.category_id WHERE r.path LIKE %s AND c.submitted_at >= %s "
            "AND c.submitted_at < %s GROUP BY k ORDER BY 2 DESC",
            args,
        ),
        (f"SELECT c.channel, count(*) {base} GROUP BY 1 ORDER BY 2 DESC", args),
        (f"SELECT c.tier, count(*) {base} GROUP BY 1 ORDER BY 2 DESC", args),
        (f"SELECT c.state, count(*) {base} GROUP BY 1 ORDER BY 2 DESC", args),
        (
            "SELECT c.grid_id, g.code, g.name, count(*) FROM cases_case c JOIN regions_region r ON r.id = c.region_id "
            "JOIN grids_grid g ON g.id = c.grid_id WHERE r.path LIKE %s AND c.submitted_at >= %s AND c.submitted_at < %s "
            "GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1 LIMIT 15",
            args,
        ),
        (
            "SELECT c.handler_id, h.name, count(*) FROM cases_case c JOIN regions_region r ON r.id = c.region_id "
            "JOIN cases_handler h ON h.id = c.handler_id WHERE r.path LIKE %s AND c.submitted_at >= %s AND c.submitted_at < %s "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 15",
            args,
        ),
    ]

    def raw():
        res = []
        with connection.cursor() as cur:
            for sql, a in queries:
                cur.execute(sql, a)
                res.append(cur.fetchall())
        return res

    summary = _summary_sql(district, start, end)
    got = ours()
    assert got["totals"]["submitted"] == raw()[0][0][0]
    n_rows = sum(len(part) for part in summary())
    out.write(
        f"② 区级管理员诉求统计聚合（{district.name}，近 90 天 {got['totals']['submitted']:,} 条：合计、时限、趋势、"
        f"类别、渠道、分流、状态、网格、承办单位），读日汇总；基线：原生 SQL 读取同样的汇总行（{n_rows:,} 行）"
    )
    n = max(5, runs // 4)
    _line(out, f"{n} 次", _times(ours, n), _times(summary, n), base="读汇总")
    _line(
        out, "对照：按工单行扫描的原生 SQL（旧做法的下限）", _times(ours, n), _times(raw, n), base="扫行SQL"
    )


def _summary_sql(district, start, end):
    """The statistics' summary rows of a region subtree and a day range, read in raw SQL."""
    from django.db import connection

    def read():
        with connection.cursor() as cur:
            out = []
            cur.execute(
                "SELECT * FROM cases_caseday WHERE region_path LIKE %s AND day BETWEEN %s AND %s",
                [district.path + "%", start, end],
            )
            out.append(cur.fetchall())
            return out

    return read


def _submit_figure(out, community, token: str, submits: int, threads: int) -> None:
    """Submit over real HTTP through the production server (bench.intake: gunicorn as `serve` runs it),
    closed loop, beside the trivial endpoint on the same server in the same run."""
    from django.db import connection

    from grassroots.bench.intake import _free_port, closed_loop, endpoints, start_server, stop_server

    connection.close()  # the server processes open their own connections
    port = _free_port()
    server, _listening, _first = start_server(port, 3)
    trivial_ep, submit_ep = endpoints(community, token, None)[:2]
    seconds = max(5.0, submits / 40)  # about `submits` requests of the trivial endpoint on a quiet machine
    try:
        closed_loop(port, trivial_ep, threads, 2)  # warm every worker
        closed_loop(port, submit_ep, threads, 2)
        trivial = closed_loop(port, trivial_ep, threads, seconds)
        ours = closed_loop(port, submit_ep, threads, seconds)
    finally:
        stop_server(server)
    out.write(
        f"③ HTTP 提交吞吐（生产服务器 gunicorn 3 进程 × 4 线程，{threads} 个客户端闭环各 {seconds:.0f} 秒，真实 HTTP 与令牌认证）"
    )
    for label, r in (
        ("POST /api/v1/cases/（受理诉求）", ours),
        ("GET  /api/v1/accounts/me（简单接口）", trivial),
    ):
        errs = f"，错误 {len(r['errors'])}" if r["errors"] else ""
        out.write(
            f"    {label}：{r['rate']:8.1f} 次/秒  p50 {r['p50'] * 1000:.0f} ms  p95 {r['p95'] * 1000:.0f} ms{errs}"
        )
    ratio = ours["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    out.write(
        f"    提交吞吐为简单接口的 {ratio * 100:.0f}%（目标 ≥ 50%）{'达标' if ratio >= 0.5 else '未达标'}"
    )


def run(
    out,
    cases: int = 1_000_000,
    keep: bool = False,
    runs: int = 40,
    submits: int = 400,
    threads: int = 4,
    workers: int = 2,
    figures: str = "1,2,3,4,5",
    **_,
):
    from django.conf import settings
    from django.db import connection

    from grassroots.cases.models import Case

    if connection.vendor != "postgresql":
        out.write(
            "本基准需要 PostgreSQL：请设置 GRASSROOTS_DATABASE_URL=postgres://…（SQLite 不适合百万级工单的对比测量），未运行。"
        )
        return
    if cases < 1:
        out.write("--cases 须为正整数")
        return
    settings.ALLOWED_HOSTS = list({*settings.ALLOWED_HOSTS, "testserver"})
    t0 = time.perf_counter()
    city, district, street, community, users, token = _city()
    have = Case.objects.filter(number__startswith=NUMBER_PREFIX).count()
    out.write(
        f"基准城市：{city.name}（{N_STREETS} 个街道，{N_STREETS * COMMUNITIES_PER_STREET} 个社区）；已有生成工单 {have:,} 条"
    )
    if have < cases:
        t = time.perf_counter()
        _generate(city, have + 1, cases, out)
        out.write(f"生成 {cases - have:,} 条工单用时 {time.perf_counter() - t:.1f} 秒")
    total = Case.objects.filter(region__path__startswith=city.path).count()
    if {f.strip() for f in figures.split(",")} & {"2", "5"}:
        from grassroots.cases import casedays

        t = time.perf_counter()
        rows = casedays.rebuild()  # the generated cases bypass the services: a rollup run sums them
        out.write(f"统计日汇总重建（每次汇总任务所做）：{rows:,} 行，用时 {time.perf_counter() - t:.1f} 秒")
    out.write(f"库中基准城市工单：{total:,} 条；准备用时 {time.perf_counter() - t0:.1f} 秒\n")
    try:
        wanted = {f.strip() for f in figures.split(",")}
        if "1" in wanted:
            _list_figure(out, street, users, runs)
        if "2" in wanted:
            _dashboard_figure(out, district, users, runs)
        if "3" in wanted:
            _submit_figure(out, community, token, submits, threads)
        if wanted & {"4", "5"}:
            _http_figures(out, street, district, runs, workers, wanted)
        out.write(
            f"（p50/p95 为单次调用耗时；PostgreSQL {connection.pg_version // 10000}，同一进程、同一数据库连接测量）"
        )
    finally:
        if not keep:
            _cleanup(city, out)
