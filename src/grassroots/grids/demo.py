"""Demo step for grids, called by the core generator after the city exists (`generate(ctx)`).

Each community polygon is split into as many grids as the community has grid workers (8–10 when it
has none), by Voronoi cells of random points clipped to the community, so the grids tile it exactly.
Then: codes (community code + 3 digits), department layers, grid head and grid workers from the
community's Worker rows, grid party branches for most (not all) grids, 包保 duties at up to five
levels, and placement of buildings, entrances, households and units into grids by location.
"""

from __future__ import annotations

import numpy as np
import shapely
from django.db.models import Count, F

from grassroots.core.text import initials
from grassroots.party.models import PartyOrg
from grassroots.people.models import Worker
from grassroots.regions.models import Region

from . import geometry as geo
from .models import AssignmentRole, Department, Duty, DutyLevel, Grid, GridAssignment, GridKind, GridLayer
from .routing import bump_version
from .services import place_in_grids

ORG_SHARE = 0.88  # share of grids with their own party branch: the rest raise GOV-4 warnings
EXTRA_LAYERS = [Department.CIVIL_AFFAIRS, Department.EMERGENCY, Department.HEALTH, Department.POLICE]


def split_polygon(poly, k: int, rng) -> list:
    """k Voronoi cells of random points inside `poly`, clipped to it (they tile the polygon)."""
    minx, miny, maxx, maxy = poly.bounds
    pts: list = []
    tries = 0
    while len(pts) < k and tries < 50:
        tries += 1
        cand = np.column_stack(
            [[rng.uniform(minx, maxx) for _ in range(k * 4)], [rng.uniform(miny, maxy) for _ in range(k * 4)]]
        )
        inside = shapely.contains_xy(poly, cand[:, 0], cand[:, 1])
        pts.extend(cand[inside].tolist())
    if len(pts) < 2:
        return [poly]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts[:k]), extend_to=poly))
    out = []
    for cell in shapely.intersection(cells, poly):
        cell = geo._polygonal(cell)
        if not cell.is_empty and geo.area_m2(cell) > 1:
            out.append(cell)
    # Sort cells from north-west to south-east so codes read like a map.
    out.sort(key=lambda g: (-round(g.centroid.y, 4), g.centroid.x))
    return out


def generate(ctx) -> None:
    rng = ctx.rng("grids")
    fake = ctx.faker("grids")
    communities = list(
        Region.objects.filter(level="community", polygon__isnull=False)
        .exclude(grids__isnull=False)
        .only("id", "code", "name", "path", "polygon")
        .order_by("path")
    )
    if not communities:
        return
    workers: dict[int, list] = {}
    for w in (
        Worker.objects.filter(region__in=communities).only("id", "region_id", "role", "name").order_by("code")
    ):
        workers.setdefault(w.region_id, []).append(w)
    grids: list[Grid] = []
    with ctx.progress("网格划分", len(communities)) as bar:
        for c in communities:
            ws = workers.get(c.id, [])
            k = sum(1 for w in ws if w.role == "grid_worker") or rng.randint(8, 10)
            poly = (
                geo.repair(geo.from_stored(c.polygon))
                if not geo.from_stored(c.polygon).is_valid
                else (geo.from_stored(c.polygon))
            )
            for n, cell in enumerate(split_polygon(poly, k, rng), 1):
                rp = cell.representative_point()
                grids.append(
                    Grid(
                        region_id=c.id,
                        code=f"{c.code}{n:03d}",
                        name=f"{c.name}第{n}网格",
                        name_initials="",
                        level="community",
                        kind=GridKind.SPECIAL if rng.random() < 0.04 else GridKind.COMPREHENSIVE,
                        polygon=geo.to_geojson(cell),
                        area_m2=round(geo.area_m2(cell), 1),
                        lng=round(rp.x, 7),
                        lat=round(rp.y, 7),
                    )
                )
            bar.advance()
    for g in grids:
        g.fill_initials()
    _grid_orgs(ctx, rng, communities, grids)
    created: list[Grid] = []
    for i in range(0, len(grids), ctx.batch_size):
        created.extend(Grid.objects.bulk_create(grids[i : i + ctx.batch_size]))
    if created and created[0].pk is None:  # backends without RETURNING
        created = list(Grid.objects.filter(code__in=[g.code for g in grids]))
    by_community: dict[int, list[Grid]] = {}
    for g in created:
        by_community.setdefault(g.region_id, []).append(g)

    layers, assignments, duties = [], [], []
    for g in created:
        layers.append(GridLayer(grid=g, department=Department.COMPREHENSIVE_GOVERNANCE, code=f"ZZ{g.code}"))
        layers.append(GridLayer(grid=g, department=Department.CITY_MANAGEMENT, code=f"CG{g.code}"))
        for dept in EXTRA_LAYERS:
            if rng.random() < 0.5:
                layers.append(GridLayer(grid=g, department=dept, code=f"{dept.value[:2].upper()}{g.code}"))
    for c in communities:
        cgrids = sorted(by_community.get(c.id, []), key=lambda g: g.code)
        ws = workers.get(c.id, [])
        heads = [w for w in ws if w.role == "grid_head"]
        pool = [w for w in ws if w.role == "grid_worker"]
        secretary = next((w for w in ws if w.role == "secretary"), None)
        for i, g in enumerate(cgrids):
            if heads:
                assignments.append(GridAssignment(grid=g, worker=heads[0], role=AssignmentRole.HEAD))
            if i < len(pool):
                assignments.append(GridAssignment(grid=g, worker=pool[i], role=AssignmentRole.WORKER))
            if i < len(pool):
                duties.append(
                    Duty(
                        grid=g,
                        region_id=g.region_id,
                        level=DutyLevel.GRID,
                        cadre_name=pool[i].name,
                        post="网格员",
                        phone=fake.phone_number(),
                        worker=pool[i],
                    )
                )
        # 科级干部包社区: the community's secretary (or a street cadre) answers for the community.
        name, post, worker = (
            (secretary.name, "社区党组织书记", secretary)
            if secretary
            else (fake.name(), "社区两委成员", None)
        )
        duties.append(
            Duty(
                region_id=c.id,
                level=DutyLevel.COMMUNITY,
                cadre_name=name,
                post=post,
                phone=fake.phone_number(),
                worker=worker,
            )
        )
    duties.extend(_upper_duties(rng, fake, communities))
    ctx.bulk_insert(GridLayer, layers)
    ctx.bulk_insert(GridAssignment, assignments)
    ctx.bulk_insert(Duty, duties)
    bump_version()
    with ctx.progress("网格落位", 1) as bar:
        place_in_grids()
        bar.advance()
    _staff_grid_branches(rng, created)
    generate_care(ctx)


def _upper_duties(rng, fake, communities) -> list[Duty]:
    """One cadre per street, district and city, and a province leader on the city root (五级包保)."""
    from grassroots.regions.models import Region

    step = Region.steplen
    paths = {c.path[: step * d] for c in communities for d in (1, 2, 3)}
    out = []
    for r in Region.objects.filter(path__in=paths).order_by("path"):
        levels = {"city": [DutyLevel.PROVINCE, DutyLevel.CITY], "district": [DutyLevel.DISTRICT]}.get(
            r.level, [DutyLevel.STREET] if r.level == "street" else []
        )
        for level in levels:
            out.append(
                Duty(
                    region=r,
                    level=level,
                    cadre_name=fake.name(),
                    post=_post(level, rng),
                    phone=fake.phone_number(),
                )
            )
    return out


def _post(level: str, rng) -> str:
    return {
        DutyLevel.PROVINCE: rng.choice(["省委常委", "副省长"]),
        DutyLevel.CITY: rng.choice(["市委常委", "副市长", "市直部门负责人"]),
        DutyLevel.DISTRICT: rng.choice(["区委常委", "副区长", "区直部门负责人"]),
        DutyLevel.STREET: rng.choice(["街道党工委副书记", "街道办事处副主任", "街道科室负责人"]),
        DutyLevel.COMMUNITY: "社区两委成员",
        DutyLevel.GRID: "网格员",
    }[level]


def _grid_orgs(ctx, rng, communities, grids: list[Grid]) -> None:
    """网格党支部 under each community's top org, for most grids; materialized paths computed here.

    Sets `party_org_id` on the (not yet saved) grids."""
    tops: dict[int, PartyOrg] = {}
    for org in PartyOrg.objects.filter(region__in=communities, unit__isnull=True).order_by("depth", "path"):
        tops.setdefault(org.region_id, org)
    step = PartyOrg.steplen
    last: dict[str, str] = {}
    top_paths = {t.path for t in tops.values()}
    for depth in {t.depth + 1 for t in tops.values()}:
        for path in (
            PartyOrg.objects.filter(depth=depth).values_list("path", flat=True).iterator(chunk_size=5000)
        ):
            parent = path[:-step]
            if parent in top_paths and path > last.get(parent, ""):
                last[parent] = path
    seqs = {t.path: PartyOrg._str2int(last[t.path][-step:]) if t.path in last else 0 for t in tops.values()}
    added: dict[int, int] = {}
    new_orgs, bound = [], []
    for g in grids:
        top = tops.get(g.region_id)
        if top is None or rng.random() >= ORG_SHARE:
            continue
        seqs[top.path] += 1
        added[top.pk] = added.get(top.pk, 0) + 1
        new_orgs.append(
            PartyOrg(
                code=f"G{g.code}",
                name=f"{g.name}党支部",
                name_initials=initials(f"{g.name}党支部"),
                kind="branch",
                region_id=g.region_id,
                path=top.path + PartyOrg._int2str(seqs[top.path]).rjust(step, "0"),
                depth=top.depth + 1,
                numchild=0,
            )
        )
        bound.append(g)
    ctx.bulk_insert(PartyOrg, new_orgs)
    for pk, n in added.items():
        PartyOrg.objects.filter(pk=pk).update(numchild=F("numchild") + n)
    ids = dict(PartyOrg.objects.filter(code__in=[f"G{g.code}" for g in bound]).values_list("code", "id"))
    for g in bound:
        g.party_org_id = ids[f"G{g.code}"]


def _staff_grid_branches(rng, grids: list[Grid]) -> None:
    """Give each 网格党支部 its members: resident party members living in the grid move their membership
    from the community's resident branches (each of which keeps at least 7 full members if it has a
    committee, else 3). A grid branch that would have fewer full members than GOV-4 requires is not
    kept: the grid stays without an organisation and is counted as not covered (GOV-4)."""
    from collections import Counter, defaultdict

    from grassroots.grids.stats import gov4_min_full_members
    from grassroots.party.models import Member

    minimum = gov4_min_full_members()
    grid_org = {g.id: g.party_org_id for g in grids if g.party_org_id}
    if not grid_org:
        return
    grid_orgs = set(grid_org.values())
    sources = {
        o["id"]: o
        for o in PartyOrg.objects.filter(
            kind="branch", unit__isnull=True, is_functional=False, is_joint=False
        ).values("id", "committee_size")
        if o["id"] not in grid_orgs
    }
    full_left = Counter(
        dict(
            Member.objects.filter(party_org_id__in=list(sources), status="full")
            .values_list("party_org_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    candidates: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for mid, status, gid, oid in (
        Member.objects.filter(
            residence__grid_id__in=list(grid_org), in_service=False, party_org_id__in=list(sources)
        )
        .exclude(pk__in=PartyOrg.objects.filter(secretary__isnull=False).values("secretary_id"))
        .exclude(seats__isnull=False)  # secretaries and committee members stay in their branches
        .order_by("id")
        .values_list("id", "status", "residence__grid_id", "party_org_id")
        .iterator(chunk_size=5000)
    ):
        candidates[gid].append((mid, status, oid))
    moves: list[Member] = []
    dropped: list[int] = []
    for gid in sorted(grid_org):
        pool = candidates.get(gid, [])
        rng.shuffle(pool)
        want = rng.randint(5, 12)
        chosen, full = [], 0
        for mid, status, oid in pool:
            if len(chosen) >= want:
                break
            if status == "full":
                floor = 7 if sources[oid]["committee_size"] else 3  # ORG-3 / ORG-10 stay satisfied
                if full_left[oid] <= floor or full >= 6:  # 6 full at most: a secretary, no committee
                    continue
                full_left[oid] -= 1
                full += 1
            chosen.append(mid)
        if full < minimum:
            for mid, status, oid in pool:  # give the full members back to their branches
                if mid in chosen and status == "full":
                    full_left[oid] += 1
            dropped.append(gid)
            continue
        moves.extend(Member(id=mid, party_org_id=grid_org[gid]) for mid in chosen)
    Member.objects.bulk_update(moves, ["party_org"], batch_size=1000)
    if dropped:
        orgs = [grid_org[gid] for gid in dropped]
        Grid.objects.filter(pk__in=dropped).update(party_org=None)
        PartyOrg.objects.filter(pk__in=orgs).delete()  # treebeard updates the parents' numchild


PATROL_NOTES = [
    "沿小区主干道、楼栋间巡查一周，未发现异常",
    "巡查菜市场周边，提醒商户规范摆放",
    "检查楼道消防通道，清理堆放杂物两处",
    "夜间巡查路灯照明情况，一处路灯不亮已上报",
    "走访沿街商铺，宣传垃圾分类",
    "巡查小区北门及停车区域，秩序良好",
]
VISIT_NOTES = [
    "老人身体状况良好，已提醒注意防滑",
    "了解低保户近期生活情况，无新增困难",
    "协助办理残疾人补贴年审材料",
    "反映楼道灯不亮，已现场登记",
    "子女不在身边，留下网格员联系方式",
]


def generate_care(ctx) -> None:
    """Patrols of the last three weeks for every grid with a grid worker (some grids short of GRID-1
    this week) and visits to most care households (some never visited or visited too long ago)."""
    import datetime

    from django.utils import timezone

    from grassroots.regions.models import Household

    from .care import care_q, patrols_per_week, week_start
    from .models import HouseholdVisit, Patrol

    if Patrol.objects.exists():
        return
    rng = ctx.rng("grids-care")
    _busiest_grid_first(care_q)
    now = timezone.now()
    this_week = week_start(now)
    posts = list(
        GridAssignment.objects.filter(role=AssignmentRole.WORKER)
        .select_related("worker")
        .order_by("grid_id", "id")
    )
    workers, first_grids, seen = {}, set(), set()
    for post in sorted(posts, key=lambda p: p.worker.code):
        if post.worker.region_id not in seen:
            seen.add(post.worker.region_id)
            first_grids.add(post.grid_id)
    for post in posts:
        workers.setdefault(post.grid_id, post.worker)
    required = patrols_per_week()
    patrols = []
    for grid_id, worker in workers.items():
        # Earlier weeks: 3-5 patrols; this week: 0 up to what the days so far allow.
        days_so_far = max(1, (now - this_week).days + 1)
        for week in (2, 1):
            for _ in range(rng.randint(3, 5)):
                start = this_week - datetime.timedelta(days=7 * week - rng.uniform(0, 6.5))
                patrols.append((grid_id, worker, start))
        # The first grid of each community is behind this week (the demo grid worker's grid is one).
        behind = grid_id in first_grids or rng.random() < 0.4
        this_week_count = rng.randint(0, required - 1) if behind else rng.randint(required, required + 1)
        for _ in range(min(this_week_count, days_so_far * 2)):
            span = max(60.0, (now - this_week).total_seconds() - 7200)
            start = this_week + datetime.timedelta(seconds=rng.uniform(0, span))
            patrols.append((grid_id, worker, start))
    rows = []
    for grid_id, worker, start in patrols:
        if start < this_week or start.date() < timezone.localdate(now):
            local = timezone.localtime(start)
            start = local.replace(hour=rng.choice([8, 9, 10, 14, 15, 16, 19]), minute=rng.randint(0, 59))
        start = min(start, now - datetime.timedelta(hours=2))
        rows.append(
            Patrol(
                grid_id=grid_id,
                worker=worker,
                worker_name=worker.name,
                started_at=start,
                ended_at=start + datetime.timedelta(minutes=rng.randint(35, 120)),
                route_note=rng.choice(PATROL_NOTES),
            )
        )
    ctx.bulk_insert(Patrol, rows)
    households = (
        Household.objects.filter(care_q(), grid_id__in=list(workers))
        .values_list("id", "grid_id")
        .order_by("id")
    )
    visits = []
    for hid, grid_id in households:
        roll = rng.random()
        if roll < 0.15:
            continue  # never visited
        days = rng.uniform(35, 80) if roll < 0.3 else rng.uniform(0, 28)
        worker = workers[grid_id]
        visits.append(
            HouseholdVisit(
                household_id=hid,
                grid_id=grid_id,
                visitor_name=worker.name,
                visited_at=now - datetime.timedelta(days=days),
                note=rng.choice(VISIT_NOTES),
            )
        )
    ctx.bulk_insert(HouseholdVisit, visits)


def _busiest_grid_first(care_q) -> None:
    """The community's first grid worker (by code: the one the demo grid worker account is linked to)
    takes the grid with the most care households, swapping posts and grid duties with its holder, so
    the demo account has households to visit. Runs after households are placed in grids."""
    from django.db.models import Count, Q

    posts = list(
        GridAssignment.objects.filter(role=AssignmentRole.WORKER)
        .select_related("worker", "grid")
        .order_by("worker__code")
    )
    by_grid = {p.grid_id: p for p in posts}
    first: dict[int, GridAssignment] = {}
    for p in posts:
        first.setdefault(p.grid.region_id, p)
    care = dict(
        Grid.objects.filter(pk__in=list(by_grid))
        .annotate(n=Count("households", filter=Q(care_q("households__"))))
        .values_list("pk", "n")
    )
    for region_id, post in first.items():
        best = max(
            (gid for gid, p in by_grid.items() if p.grid.region_id == region_id), key=lambda g: (care[g], -g)
        )
        if best == post.grid_id or care[best] <= care.get(post.grid_id, 0):
            continue
        other = by_grid[best]
        a, b = post.worker, other.worker
        GridAssignment.objects.filter(pk=post.pk).update(worker=b)
        GridAssignment.objects.filter(pk=other.pk).update(worker=a)
        Duty.objects.filter(grid_id=post.grid_id, level=DutyLevel.GRID).update(worker=b, cadre_name=b.name)
        Duty.objects.filter(grid_id=best, level=DutyLevel.GRID).update(worker=a, cadre_name=a.name)
