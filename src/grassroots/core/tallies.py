"""Home figures served from precomputed buckets (FigureBucket) instead of counting rows per request.

A feature declares each figure once, as a `Tally`, from its AppConfig.ready():

    from grassroots.core import tallies
    tallies.register(tallies.Tally("cobuild.open_needs", "cobuild.Need",
                                   lambda: Need.objects.filter(state="open")))

`rows()` is the one definition of the figure: the refresh groups it into buckets and the tests
compare the served figure with `direct(tally, user)` over the same rows. A bucket is the rows whose
scoped object (`model`, reached from a row through `via`) sits at one exact region path and party-org
path, split by an optional `key` (a month, an hour, a kind). Because the buckets are disjoint and a
grant covers a bucket exactly when it covers each of its rows (region grant: region path prefix;
party-org grant: org path prefix), the user's figure is the sum of the buckets their grants cover:
one query per home section, whatever the number of rows. Users who also hold an own-records grant
for the figure's permission (residents, members) get the rows they see only through it added by one
query over those rows.

Freshness: every rollup run rebuilds all buckets (`refresh_all`, a registered summary). A save or
delete of a watched model marks its region's buckets, which are recomputed after commit (`changed`
does the same for the services' conditional UPDATEs, which send no signal). A row moved to another
region leaves its old bucket until the next rollup run.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from .scoping import grants_for, model_scope_q, perm_code

log = logging.getLogger(__name__)

STEPLEN = 4  # treebeard's step of both trees (regions.Region, party.PartyOrg)


def _count() -> Any:
    return Count("pk")


@dataclass(frozen=True)
class Tally:
    code: str
    model: str  # "app.Model": the figure follows this model's scope (visible_to) and permission
    rows: Callable[[], models.QuerySet]  # the rows counted; called at refresh time (may read now)
    value: Callable[[], Any] = _count  # the aggregate over the rows (Count, Sum)
    via: str = ""  # lookup from a row to the scoped model ("" = the rows are that model)
    region: str | None = None  # lookup from a row to its Region (default: via + the model's scope_region)
    key: Callable[[], dict[str, Any]] | None = None  # annotations splitting the figure
    key_text: Callable[[dict], str] | None = None  # the bucket key from those annotations
    watch: tuple[tuple[str, str], ...] = field(default=())  # more (model label, lookup to its Region)

    def scoped_model(self):
        return apps.get_model(self.model)

    def region_lookup(self) -> str:
        if self.region is not None:
            return self.region
        m = self.scoped_model()
        return _join(self.via, m.scope_region)

    def org_lookup(self) -> str | None:
        m = self.scoped_model()
        if not getattr(m, "scope_org", None):
            return None
        return _join(self.via, m.scope_org)

    def rows_label(self) -> str:
        return self.rows().model._meta.label


def _join(*parts: str | None) -> str:
    return "__".join(p for p in parts if p)


REGISTRY: dict[str, Tally] = {}
# model label -> [(tally code, lookup from an instance to its Region)]
WATCHERS: dict[str, list[tuple[str, str]]] = defaultdict(list)


def register(tally: Tally) -> Tally:
    """Declare a figure (from an AppConfig.ready(), models loaded) and watch the models that move it."""
    REGISTRY[tally.code] = tally
    watched = [(tally.rows_label(), tally.region_lookup()), *tally.watch]
    for label, lookup in watched:
        entry = (tally.code, lookup)
        if entry not in WATCHERS[label]:
            WATCHERS[label].append(entry)
        _connect(label)
    return tally


# ---------------------------------------------------------------------------------------- refresh


def _grouped(tally: Tally, qs) -> dict[tuple[str, str, str], float]:
    """{(region path, org path, key): value} of these rows (one grouped query)."""
    names = {"_r": F(f"{tally.region_lookup()}__path")}
    org = tally.org_lookup()
    if org:
        names["_o"] = F(f"{org}__path")
    keys = tally.key() if tally.key else {}
    rows = qs.order_by().values(**names, **keys).annotate(_v=tally.value())
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in rows:
        key = tally.key_text({k: row[k] for k in keys}) if tally.key_text else ""
        out[(row["_r"] or "", row.get("_o") or "", key)] += float(row["_v"] or 0)
    return out


def refresh(codes: Iterable[str] | None = None, region_paths: Iterable[str] | None = None) -> int:
    """Recompute the buckets of these figures (all when None) at these exact region paths ("" = rows
    without a region; all when None), then the subtree totals above them. Returns the rows written."""
    from .models import FigureBucket

    selected = [REGISTRY[c] for c in (REGISTRY if codes is None else codes) if c in REGISTRY]
    paths = None if region_paths is None else sorted(set(region_paths))
    written = 0
    for tally in selected:
        qs = tally.rows()
        if paths is not None:
            field_ = f"{tally.region_lookup()}__path"
            cond = Q(pk__in=[])
            exact = [p for p in paths if p]
            if exact:
                cond |= Q(**{f"{field_}__in": exact})
            if "" in paths:
                cond |= Q(**{f"{tally.region_lookup()}__isnull": True})
            qs = qs.filter(cond)
        now = timezone.now()
        grouped = _grouped(tally, qs)
        buckets = [
            FigureBucket(code=tally.code, region_path=r, org_path=o, key=k, value=v, computed_at=now)
            for (r, o, k), v in sorted(grouped.items())
            if v
        ]
        with transaction.atomic():
            old = FigureBucket.objects.filter(code=tally.code)
            if paths is not None:
                old = old.filter(region_path__in=paths, tree=False)
                orgs = set(old.exclude(org_path="").values_list("org_path", flat=True))
                orgs |= {o for (_r, o, _k) in grouped if o}
            old.delete()
            FigureBucket.objects.bulk_create(buckets, batch_size=2000)
            if paths is None:
                trees = _all_trees(tally.code, now)
            else:
                trees = _trees_above(tally.code, paths, sorted(orgs), now)
            FigureBucket.objects.bulk_create(trees, batch_size=2000)
        written += len(buckets) + len(trees)
    if codes is None and paths is None:  # figures no longer declared leave nothing behind
        FigureBucket.objects.exclude(code__in=list(REGISTRY)).delete()
    return written


def _prefixes(path: str) -> list[str]:
    return [path[:k] for k in range(STEPLEN, len(path) + 1, STEPLEN)]


def _all_trees(code: str, now) -> list:
    """Every subtree total of a figure, from its exact buckets (which replace the old totals)."""
    from .models import FigureBucket

    FigureBucket.objects.filter(code=code, tree=True).delete()
    sums: dict[tuple[str, str, str], float] = defaultdict(float)
    for r, o, k, v in FigureBucket.objects.filter(code=code, tree=False).values_list(
        "region_path", "org_path", "key", "value"
    ):
        for p in _prefixes(r) or [""]:  # rows without a region: one total at ""
            sums[(p, "", k)] += v
        for p in _prefixes(o):
            sums[("", p, k)] += v
    return [
        FigureBucket(code=code, region_path=r, org_path=o, key=k, value=v, tree=True, computed_at=now)
        for (r, o, k), v in sorted(sums.items())
        if v
    ]


def _trees_above(code: str, region_paths: list[str], org_paths: list[str], now) -> list:
    """The subtree totals over these region paths and party-org paths, summed again from the exact
    buckets under each of their ancestors (one grouped query per ancestor; the old totals deleted)."""
    from .models import FigureBucket

    regions = sorted({p for r in region_paths for p in (_prefixes(r) or [""])})
    orgs = sorted({p for o in org_paths for p in _prefixes(o)})
    FigureBucket.objects.filter(code=code, tree=True, org_path="", region_path__in=regions).delete()
    FigureBucket.objects.filter(code=code, tree=True, region_path="", org_path__in=orgs).delete()
    out = []
    exact = FigureBucket.objects.filter(code=code, tree=False).order_by()
    for field_, prefixes in (("region_path", regions), ("org_path", orgs)):
        for p in prefixes:
            under = {field_: ""} if p == "" else {f"{field_}__startswith": p}
            for k, v in exact.filter(**under).values_list("key").annotate(v=Sum("value")):
                if v:
                    at = (
                        {"region_path": p, "org_path": ""}
                        if field_ == "region_path"
                        else {"region_path": "", "org_path": p}
                    )
                    out.append(FigureBucket(code=code, key=k, value=v, tree=True, computed_at=now, **at))
    return out


def refresh_all() -> int:
    """Every figure over every region (a summary of every rollup run)."""
    return refresh(None, None)


# ---------------------------------------------------------------------------------------- writes

_pending = threading.local()


def _marks() -> set[tuple[str, str]]:
    marks = getattr(_pending, "marks", None)
    if marks is None:
        marks = _pending.marks = set()
    return marks


def _flush() -> None:
    marks = _marks()
    if not marks:
        return
    todo: dict[str, set[str]] = defaultdict(set)
    for code, path in marks:
        todo[code].add(path)
    marks.clear()
    for code, paths in todo.items():
        try:
            refresh([code], paths)
        except Exception:  # the write is committed: its figure is repaired by the next rollup run
            log.exception("home figure %s not refreshed for %s", code, sorted(paths))


def _walk(obj, lookup: str) -> str | None:
    target = obj
    try:
        for attr in lookup.split("__"):
            if target is None:
                return ""
            target = getattr(target, attr)
    except Exception:  # noqa: BLE001 (a relation deleted with the row, a missing reverse one-to-one)
        return None
    return "" if target is None else getattr(target, "path", None)


def changed(obj) -> None:
    """Mark the buckets obj moves (its region's, for every figure watching its model); recomputed after
    the transaction commits. Saves and deletes call it through signals; call it after an UPDATE."""
    label = type(obj)._meta.label
    marks = _marks()
    for code, lookup in WATCHERS.get(label, ()):
        path = _walk(obj, lookup)
        if path is not None:
            marks.add((code, path))
    if marks:
        transaction.on_commit(_flush)


def _on_write(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    changed(instance)


_CONNECTED: set[str] = set()


def _connect(label: str) -> None:
    if label in _CONNECTED:
        return
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_write, sender=label, dispatch_uid=f"core.tallies.save.{label}")
    post_delete.connect(_on_write, sender=label, dispatch_uid=f"core.tallies.delete.{label}")
    _CONNECTED.add(label)


# ---------------------------------------------------------------------------------------- reads


def bucket_q(model, user, action: str = "view") -> Q | None:
    """The buckets a user's region and party-org grants cover for `model` (the twin of scope_q over
    FigureBucket); Q() for a superuser, None when none."""
    if user.is_superuser:
        return Q()
    perm = perm_code(model, action)
    has_region = bool(getattr(model, "scope_region_path_field", None) or model.scope_region is not None)
    has_org = bool(getattr(model, "scope_org_path_field", None) or model.scope_org is not None)
    parts = Q(pk__in=[])
    found = False
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None and has_region:
            parts |= Q(region_path__startswith=g.region_path)
            found = True
        if g.org_path is not None and has_org:
            parts |= Q(org_path__startswith=g.org_path)
            found = True
    return parts if found else None


def _rows_q(model, user, action: str) -> Q:
    """scope_q restricted to the region and party-org grants, over the model's own fields."""
    perm = perm_code(model, action)
    region_field = getattr(model, "scope_region_path_field", None) or (
        f"{model.scope_region}__path" if model.scope_region else None
    )
    org_field = getattr(model, "scope_org_path_field", None) or (
        f"{model.scope_org}__path" if model.scope_org else None
    )
    q = Q(pk__in=[])
    for g in grants_for(user):
        if perm not in g.perms:
            continue
        if g.region_path is not None and region_field:
            q |= Q(**{f"{region_field}__startswith": g.region_path})
        if g.org_path is not None and org_field:
            q |= Q(**{f"{org_field}__startswith": g.org_path})
    return q


def _keyed(tally: Tally, qs) -> dict[str, float]:
    keys = tally.key() if tally.key else {}
    out: dict[str, float] = defaultdict(float)
    if not keys:
        v = qs.aggregate(_v=tally.value())["_v"]
        if v:
            out[""] += float(v)
        return out
    for row in qs.order_by().values(**keys).annotate(_v=tally.value()):
        out[tally.key_text({k: row[k] for k in keys}) if tally.key_text else ""] += float(row["_v"] or 0)
    return out


def _through(tally: Tally, scoped_qs):
    """The figure's rows whose scoped object is in scoped_qs."""
    rows = tally.rows()
    if not tally.via:
        return rows.filter(pk__in=scoped_qs.values("pk"))
    return rows.filter(**{f"{tally.via}__in": scoped_qs.values("pk")})


def _roots(paths: Iterable[str]) -> list[str]:
    ps = sorted(set(paths))
    return [p for p in ps if not any(p != q and p.startswith(q) for q in ps)]


def _within(roots: list[str], within: str | None) -> list[str]:
    """The nodes of `roots` narrowed to the subtree at `within`."""
    if within is None:
        return roots
    out = [
        r if r.startswith(within) else within for r in roots if r.startswith(within) or within.startswith(r)
    ]
    return _roots(out)


def _region_roots(user) -> list[str]:
    """The paths of the region tree's roots (a superuser's grant nodes), once per user object."""
    roots = getattr(user, "_grassroots_region_roots", None)
    if roots is None:
        region = apps.get_model("regions.Region")
        roots = list(region._default_manager.filter(depth=1).values_list("path", flat=True))
        user._grassroots_region_roots = roots
    return roots


def _plan(model, user, action: str, within: str | None) -> tuple[Q | None, bool]:
    """(the buckets answering for this user, whether the own-records remainder must be added).

    Region grants only (or a superuser): the subtree totals at the grants' nodes, one row per key;
    party-org grants only: the same over the org tree; otherwise (both kinds, or an own-records grant
    too) the exact buckets their grants cover."""
    if user.is_superuser:
        if within is not None:
            return Q(tree=True, org_path="", region_path=within), False
        # The roots' totals and the total of the rows without a region (the tree row at "").
        return Q(tree=True, org_path="", region_path__in=[*_region_roots(user), ""]), False
    perm = perm_code(model, action)
    has_region = bool(getattr(model, "scope_region_path_field", None) or model.scope_region is not None)
    has_org = bool(getattr(model, "scope_org_path_field", None) or model.scope_org is not None)
    grants = [g for g in grants_for(user) if perm in g.perms]
    regions = [g.region_path for g in grants if g.region_path is not None and has_region]
    orgs = [g.org_path for g in grants if g.org_path is not None and has_org]
    own = any(g.own for g in grants)
    if not own and regions and not orgs:
        return Q(tree=True, org_path="", region_path__in=_within(_roots(regions), within)), False
    if not own and orgs and not regions and within is None:
        return Q(tree=True, region_path="", org_path__in=_roots(orgs)), False
    q = bucket_q(model, user, action)
    if q is not None:
        q = Q(tree=False) & q
        if within is not None:
            q &= Q(region_path__startswith=within)
    return q, own


def served(
    user,
    codes: Iterable[str],
    *,
    within: str | None = None,
    ranges: dict[str, tuple[str | None, str | None]] | None = None,
    action: str = "view",
) -> dict:
    """{code: {key: value}} of these figures over what the user may see (`within`: only under this
    region path; `ranges`: code -> [lo, hi) of its keys). One query for the buckets; one more per
    figure for a user whose own-records grant shows rows beyond their region and party-org grants."""
    from .models import FigureBucket

    tallies_ = [REGISTRY[c] for c in codes]
    ranges = ranges or {}
    out: dict[str, dict[str, float]] = {t.code: defaultdict(float) for t in tallies_}
    if user is None or not user.is_authenticated:
        return out
    plans: dict[str, tuple[Q | None, bool]] = {}
    cond = Q(pk__in=[])
    extra = []
    for t in tallies_:
        if t.model not in plans:
            plans[t.model] = _plan(apps.get_model(t.model), user, action, within)
        q, own = plans[t.model]
        lo, hi = ranges.get(t.code, (None, None))
        key_q = Q()
        if lo is not None:
            key_q &= Q(key__gte=lo)
        if hi is not None:
            key_q &= Q(key__lt=hi)
        if q is not None:
            cond |= Q(code=t.code) & q & key_q
        if own:
            extra.append((t, lo, hi))
    for code, key, v in (
        FigureBucket.objects.filter(cond).order_by().values_list("code", "key").annotate(v=Sum("value"))
    ):
        out[code][key] += v
    for tally, lo, hi in extra:
        model = tally.scoped_model()
        full = model_scope_q(model, user, action)
        beyond = model._default_manager.filter(full).exclude(_rows_q(model, user, action))
        rows = _through(tally, beyond)
        if within is not None:
            rows = rows.filter(**{f"{tally.region_lookup()}__path__startswith": within})
        for key, v in _keyed(tally, rows).items():
            if (lo is None or key >= lo) and (hi is None or key < hi):
                out[tally.code][key] += v
    return out


def total(values: dict[str, float], keep: Callable[[str], bool] | None = None) -> float:
    """The sum of a figure's keyed values (those `keep` accepts)."""
    return sum(v for k, v in values.items() if keep is None or keep(k))


def direct(tally: Tally, user, *, within: str | None = None, action: str = "view") -> dict[str, float]:
    """The figure computed straight from the rows the user may see (for the tests)."""
    scoped = tally.scoped_model()._default_manager.visible_to(user, action)
    rows = _through(tally, scoped)
    if within is not None:
        rows = rows.filter(**{f"{tally.region_lookup()}__path__startswith": within})
    return {k: v for k, v in _keyed(tally, rows).items() if v}


# ---------------------------------------------------------------------------------------- keys


def month_text(row: dict) -> str:
    """Key text of a single date/datetime annotation truncated to the month: "YYYY-MM"."""
    (v,) = row.values()
    return "" if v is None else _local(v).strftime("%Y-%m")


def hour_text(row: dict) -> str:
    """Key text of a single datetime annotation truncated to the hour: "YYYY-MM-DD HH"."""
    (v,) = row.values()
    return "" if v is None else _local(v).strftime("%Y-%m-%d %H")


def hour_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H")


def hour_start() -> datetime.datetime:
    return timezone.localtime().replace(minute=0, second=0, microsecond=0)


def _local(v):
    if isinstance(v, datetime.datetime) and timezone.is_aware(v):
        return timezone.localtime(v)
    return v
