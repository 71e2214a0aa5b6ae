"""Every change to grids: scope-checked, validated (messages in Chinese), atomic, audited once, and
bumping the grid version stamp so that routing indexes rebuild.

Permissions: grids hang off the region tree and use the regions permissions (`regions.view`,
`regions.change`) in the scope of the grid's community or street.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import full_clean, require_in_scope
from grassroots.regions.models import Household, Region

from . import geometry as geo
from .coords import check_system
from .models import (
    AssignmentRole,
    Department,
    Duty,
    DutyLevel,
    Grid,
    GridAssignment,
    GridKind,
    GridLayer,
    GridLevel,
)
from .routing import bump_version

GRID_PARENT_LEVELS = ("community", "street")


# ---------------------------------------------------------------- helpers


def _require_region(user, region: Region, action: str = "change") -> None:
    if region.level not in GRID_PARENT_LEVELS:
        raise ServiceError(f"网格只能设在社区或街道下，“{region.name}”是{region.get_level_display()}")
    if covers(user, region, f"regions.{action}"):
        return
    if covers(user, region, "regions.view"):
        raise PermissionDenied()
    raise NotFound()


def region_by_code(user, code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None or not covers(user, region, "regions.view"):
        # Unknown and out of scope look the same (404), so codes can't be probed.
        raise NotFound(f"找不到编码为“{code}”的社区或街道，或不在您的管辖范围内")
    return region


def parse_layers(value) -> dict[str, str]:
    """{"zongzhi": "ZZ-01"}, {"综治": "ZZ-01"} or "综治:ZZ-01;城管:CG-7" → {department value: code}."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        items = {}
        for part in value.replace("；", ";").split(";"):
            if not part.strip():
                continue
            if ":" not in part.replace("：", ":"):
                raise ServiceError(f"部门网格“{part.strip()}”格式不正确，应为“部门:编码”", field="layers")
            k, v = part.replace("：", ":").split(":", 1)
            items[k.strip()] = v.strip()
        value = items
    if not isinstance(value, dict):
        raise ServiceError("部门网格应为“部门:编码”的对应关系", field="layers")
    by_label = {label: v for v, label in Department.choices}
    out = {}
    for k, v in value.items():
        dept = k if k in Department.values else by_label.get(k)
        if dept is None:
            allowed = "、".join(label for _, label in Department.choices)
            raise ServiceError(f"未知部门“{k}”，可选：{allowed}", field="layers")
        code = str(v or "").strip()
        if not code or len(code) > 40:
            raise ServiceError(f"{Department(dept).label}网格编码不能为空且不超过 40 个字符", field="layers")
        out[dept] = code
    return out


def _check_layers_free(layers: dict[str, str], grid_id: int | None) -> None:
    for dept, code in layers.items():
        clash = GridLayer.objects.filter(department=dept, code=code).exclude(grid_id=grid_id).first()
        if clash:
            raise ServiceError(
                f"{Department(dept).label}网格编码“{code}”已并入网格 {clash.grid.code}", field="layers"
            )


def _write_layers(grid: Grid, layers: dict[str, str]) -> None:
    GridLayer.objects.filter(grid=grid).exclude(department__in=list(layers)).delete()
    for dept, code in layers.items():
        GridLayer.objects.update_or_create(grid=grid, department=dept, defaults={"code": code})


def _sibling_geoms(region: Region, exclude_id: int | None):
    rows = Grid.objects.filter(region=region).exclude(pk=exclude_id).values_list("code", "polygon")
    return [(code, geo.from_stored(poly)) for code, poly in rows]


def check_geometry(geom, region: Region, code: str, exclude_id: int | None = None) -> None:
    """Refuse an invalid polygon, one sticking out of its community, or one overlapping a sibling."""
    p = geo.invalid_problem(geom, code)
    if p:
        raise ServiceError(p.message, field="polygon", errors={"polygon": [p.message]})
    parent = geo.from_stored(region.polygon) if region.polygon else None
    siblings = _sibling_geoms(region, exclude_id)
    problems = [
        p
        for p in geo.validate_tiling([(code, geom), *siblings], parent, region.name, check_gaps=False)
        if p.grid_code == code or p.other_code == code
    ]
    if problems:
        msgs = [p.message for p in problems]
        raise ServiceError(msgs[0], field="polygon", errors={"polygon": msgs})


def _apply_geometry(grid: Grid, geom) -> None:
    grid.polygon = geo.to_geojson(geom)
    grid.area_m2 = round(geo.area_m2(geom), 1)
    rp = geom.representative_point()
    grid.lng, grid.lat = round(rp.x, 7), round(rp.y, 7)


def _default_level(region: Region) -> str:
    return GridLevel.STREET if region.level == "street" else GridLevel.COMMUNITY


def _check_code(code: str, region: Region) -> None:
    if region.level == "community" and not (code or "").startswith(region.code):
        raise ServiceError(f"网格编码应以所属社区编码 {region.code} 开头，再加 3 位序号", field="code")


# ---------------------------------------------------------------- grids


def create_grid(
    user,
    *,
    region: Region,
    code: str,
    name: str,
    polygon,
    level: str = "",
    kind: str = "",
    layers=None,
    coord_system: str = "wgs84",
) -> Grid:
    _require_region(user, region)
    geom = (
        polygon
        if hasattr(polygon, "geom_type")
        else geo.parse_geojson_geometry(polygon, check_system(coord_system))
    )
    layer_map = parse_layers(layers)
    grid = Grid(
        region=region,
        code=(code or "").strip(),
        name=(name or "").strip(),
        level=level or _default_level(region),
        kind=kind or GridKind.COMPREHENSIVE,
    )
    _check_code(grid.code, region)
    _apply_geometry(grid, geom)
    full_clean(grid)
    check_geometry(geom, region, grid.code)
    _check_layers_free(layer_map, None)
    with transaction.atomic():
        grid.save()
        _write_layers(grid, layer_map)
        audit.record_create(user, grid)
        bump_version()
        place_in_grids(region)
    return grid


def update_grid(
    user,
    grid: Grid,
    *,
    name=None,
    level=None,
    kind=None,
    layers=None,
    polygon=None,
    coord_system: str = "wgs84",
    repair: bool = False,
) -> Grid:
    require_in_scope(user, grid, "change")
    before = audit.snapshot(grid)
    if name is not None:
        grid.name = name.strip()
    if level is not None:
        grid.level = level
    if kind is not None:
        grid.kind = kind
    geom = None
    if polygon is not None:
        geom = (
            polygon
            if hasattr(polygon, "geom_type")
            else geo.parse_geojson_geometry(polygon, check_system(coord_system))
        )
        if repair:
            geom = geo.repair(geom)
        _apply_geometry(grid, geom)
    layer_map = parse_layers(layers) if layers is not None else None
    full_clean(grid)
    if geom is not None:
        check_geometry(geom, grid.region, grid.code, exclude_id=grid.pk)
    if layer_map is not None:
        _check_layers_free(layer_map, grid.pk)
    with transaction.atomic():
        grid.save()
        if layer_map is not None:
            before["layers"] = layers_text(grid)
            _write_layers(grid, layer_map)
        after = audit.snapshot(grid)
        if layer_map is not None:
            after["layers"] = layers_text(grid)
        changes = audit.diff(before, after)
        if changes:
            audit.record(AuditAction.UPDATE, grid, user=user, changes=changes)
        bump_version()
        if geom is not None:
            place_in_grids(grid.region)
    return grid


def repair_grid(user, grid: Grid) -> Grid:
    """Replace an invalid polygon by shapely's make_valid result (polygonal parts only)."""
    require_in_scope(user, grid, "change")
    geom = geo.from_stored(grid.polygon)
    if geom.is_valid:
        raise ServiceError("该网格边界有效，无需修复")
    return update_grid(user, grid, polygon=geo.repair(geom))


def delete_grid(user, grid: Grid) -> None:
    require_in_scope(user, grid, "change")
    region = grid.region
    with transaction.atomic():
        audit.record_delete(user, grid)
        grid.delete()
        bump_version()
        place_in_grids(region)


def layers_text(grid: Grid) -> str:
    return ";".join(f"{Department(layer.department).label}:{layer.code}" for layer in grid.layers.all())


# ---------------------------------------------------------------- people and organisation


def assign_worker(user, grid: Grid, worker, role: str) -> GridAssignment:
    require_in_scope(user, grid, "change")
    if role not in AssignmentRole.values:
        raise ServiceError("职责只能是网格长或网格员", field="role")
    if worker is None or not covers(user, worker, "people.view"):
        raise ServiceError("找不到该社区工作者", field="worker")
    if not grid.region.path.startswith(worker.region.path) and not worker.region.path.startswith(
        grid.region.path
    ):
        raise ServiceError(f"{worker.name}不属于{grid.region.name}，不能担任该网格的人员", field="worker")
    if (
        role == AssignmentRole.HEAD
        and grid.assignments.filter(role=AssignmentRole.HEAD).exclude(worker=worker).exists()
    ):
        raise ServiceError("该网格已有网格长，请先移除原网格长", field="role")
    with transaction.atomic():
        a, created = GridAssignment.objects.update_or_create(
            grid=grid, worker=worker, defaults={"role": role}
        )
        audit.record(
            AuditAction.CREATE if created else AuditAction.UPDATE,
            grid,
            user=user,
            changes={"assignment": [None, f"{a.get_role_display()} {worker.name}"]},
        )
    return a


def remove_assignment(user, assignment: GridAssignment) -> None:
    require_in_scope(user, assignment.grid, "change")
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE,
            assignment.grid,
            user=user,
            changes={"assignment": [f"{assignment.get_role_display()} {assignment.worker.name}", None]},
        )
        assignment.delete()


def set_duty(user, grid: Grid, level: str, cadre_name: str, post: str = "", phone: str = "") -> Duty:
    """Set a duty from a grid's page: a grid-level duty on the grid, a higher level on the grid's
    ancestor of that level (五级包保 on the region tree)."""
    if level not in DutyLevel.values:
        raise ServiceError("包保层级只能是省、市、区、街道、社区或网格", field="level")
    if level != DutyLevel.GRID:
        from .duties import region_of_level

        region = region_of_level(grid.region, level)
        if region is None:
            raise ServiceError("该网格没有这一层级的上级区域", field="level")
        return set_region_duty(user, region, level, cadre_name, post, phone)
    require_in_scope(user, grid, "change")
    duty = Duty.objects.filter(grid=grid, level=level).first() or Duty(
        grid=grid, level=level, region=grid.region
    )
    return _save_duty(user, duty, cadre_name, post, phone)


def set_region_duty(
    user, region: Region, level: str, cadre_name: str, post: str = "", phone: str = ""
) -> Duty:
    """A region-level duty (省级 → the city root, 市级 → city, 区级 → district, 街道, 社区): one row per
    (region, level, cadre); saving the same cadre again updates the post and phone."""
    from .models import DUTY_REGION_LEVEL

    if level not in DUTY_REGION_LEVEL:
        raise ServiceError("包保层级只能是省、市、区、街道或社区", field="level")
    if not covers(user, region, "regions.change"):
        if covers(user, region, "regions.view"):
            raise PermissionDenied("只能设置本级及以下区域的包保责任")
        raise NotFound()
    name = (cadre_name or "").strip()
    duty = Duty.objects.filter(
        region=region, level=level, grid__isnull=True, cadre_name=name
    ).first() or Duty(region=region, level=level)
    return _save_duty(user, duty, name, post, phone)


def _save_duty(user, duty: Duty, cadre_name: str, post: str, phone: str) -> Duty:
    before = audit.snapshot(duty) if duty.pk else {}
    duty.cadre_name, duty.post, duty.phone = (
        (cadre_name or "").strip(),
        (post or "").strip(),
        (phone or "").strip(),
    )
    if not duty.cadre_name:
        raise ServiceError("请填写包保干部姓名", field="cadre_name")
    full_clean(duty)
    with transaction.atomic():
        duty.save()
        audit.record(
            AuditAction.UPDATE if before else AuditAction.CREATE,
            duty,
            user=user,
            changes=audit.diff(before, audit.snapshot(duty)),
        )
    return duty


def set_party_org(user, grid: Grid, org) -> Grid:
    """Bind the grid's party branch or group (网格党支部 / 党小组); None unbinds."""
    require_in_scope(user, grid, "change")
    if org is not None:
        if org.kind not in ("branch", "group", "general_branch"):
            raise ServiceError("网格党组织应为党支部、党总支或党小组", field="party_org")
        if not covers(user, org, "party.view"):
            raise ServiceError("找不到该党组织", field="party_org")
    return _save_org(user, grid, org)


def _save_org(user, grid, org) -> Grid:
    before = audit.snapshot(grid)
    grid.party_org = org
    with transaction.atomic():
        grid.save(update_fields=["party_org", "updated_at"])
        audit.record_update(user, grid, before)
    return grid


# ---------------------------------------------------------------- placement


def _set_grid(model, pairs: list[tuple[int | None, int]]) -> None:
    """UPDATE ... SET grid_id = ? WHERE id = ? for many rows in one executemany (fast on both backends)."""
    from django.db import connection

    if not pairs:
        return
    qn = connection.ops.quote_name
    sql = f"UPDATE {qn(model._meta.db_table)} SET {qn('grid_id')} = %s WHERE {qn('id')} = %s"
    with connection.cursor() as cur:
        for i in range(0, len(pairs), 5000):
            cur.executemany(sql, pairs[i : i + 5000])


def place_in_grids(region: Region | None = None) -> dict[str, int]:
    """Set `grid` on buildings (and their entrances and households) and units from their lng/lat.

    System operation, called after every grid write for the affected community and by the demo.
    Buildings/units without coordinates keep grid = NULL.
    """
    from grassroots.units.models import Unit

    from .routing import get_index

    index = get_index()
    prefix = region.path if region is not None else ""
    buildings = list(
        Region.objects.filter(
            level="building", path__startswith=prefix, lng__isnull=False, lat__isnull=False
        ).values_list("id", "path", "lng", "lat", "grid_id")
    )
    counts = {"buildings": 0, "units": 0}
    if buildings:
        arr = np.array([(b[2], b[3]) for b in buildings], dtype=float)
        best = index.route_batch(arr[:, 0], arr[:, 1])
        ids = [index.infos[b].id if b >= 0 else None for b in best.tolist()]
        changed = [
            Region(id=bid, grid_id=new) for (bid, _p, _x, _y, old), new in zip(buildings, ids) if old != new
        ]
        Region.objects.bulk_update(changed, ["grid"], batch_size=500)
        counts["buildings"] = len(changed)
        if changed:
            # Entrances and households follow their building (entrance path = building path + one step).
            building_of = Region.objects.filter(
                level="building", path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Region.steplen)
            ).values("grid_id")[:1]
            Region.objects.filter(level="entrance", path__startswith=prefix).update(
                grid_id=Subquery(building_of)
            )
            entrance_grid = Region.objects.filter(pk=OuterRef("entrance_id")).values("grid_id")[:1]
            Household.objects.filter(entrance__path__startswith=prefix).update(
                grid_id=Subquery(entrance_grid)
            )
    units = list(
        Unit.objects.filter(
            region__path__startswith=prefix, lng__isnull=False, lat__isnull=False
        ).values_list("id", "lng", "lat", "grid_id")
    )
    if units:
        arr = np.array([(u[1], u[2]) for u in units], dtype=float)
        best = index.route_batch(arr[:, 0], arr[:, 1])
        changed_units = []
        for (uid, _x, _y, old), b in zip(units, best.tolist()):
            new = index.infos[b].id if b >= 0 else None
            if old != new:
                changed_units.append((new, uid))
        _set_grid(Unit, changed_units)
        counts["units"] = len(changed_units)
    return counts


# ---------------------------------------------------------------- validation


def validate_region(
    user, region: Region, tolerance_m2: float = geo.DEFAULT_TOLERANCE_M2
) -> list[geo.Problem]:
    """Problems of every community (and street-level grid set) under a region the user may see."""
    if not covers(user, region, "regions.view"):
        raise NotFound()
    parents = list(
        Region.objects.filter(path__startswith=region.path, level__in=GRID_PARENT_LEVELS).order_by("path")
    )
    grids_by_region: dict[int, list] = {}
    for gid_region, code, poly in Grid.objects.filter(region__in=parents).values_list(
        "region_id", "code", "polygon"
    ):
        grids_by_region.setdefault(gid_region, []).append((code, geo.from_stored(poly)))
    problems: list[geo.Problem] = []
    for parent in parents:
        grids = grids_by_region.get(parent.id, [])
        if not grids:
            continue
        parent_geom = geo.from_stored(parent.polygon) if parent.polygon else None
        problems.extend(geo.validate_tiling(grids, parent_geom, parent.name, tolerance_m2))
    return problems


# ---------------------------------------------------------------- import / export


@dataclass
class ImportRow:
    ref: str  # "第 3 行" / "第 2 个要素"
    code: str
    name: str
    community: str
    level: str = ""
    kind: str = ""
    layers: object = None
    geom: object = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False


LEVEL_BY_LABEL = {label: v for v, label in GridLevel.choices} | {v: v for v in GridLevel.values}
KIND_BY_LABEL = {label: v for v, label in GridKind.choices} | {v: v for v in GridKind.values}


def _prepare(user, rows: list[ImportRow]) -> list[tuple[ImportRow, Region | None, Grid | None]]:
    """Validate every row; nothing is written here."""
    codes = [r.code for r in rows]
    existing = {g.code: g for g in Grid.objects.filter(code__in=codes).select_related("region")}
    regions = {r.code: r for r in Region.objects.filter(code__in={r.community for r in rows})}
    seen: dict[str, str] = {}
    prepared = []
    for row in rows:
        region = regions.get(row.community)
        if not row.code:
            row.errors.append("缺少网格编码")
        elif row.code in seen:
            row.errors.append(f"网格编码 {row.code} 与{seen[row.code]}重复")
        seen.setdefault(row.code, row.ref)
        if not row.name:
            row.errors.append("缺少网格名称")
        if region is None or not covers(user, region, "regions.view"):
            row.errors.append(f"找不到编码为“{row.community}”的社区或街道")
            region = None
        elif region.level not in GRID_PARENT_LEVELS:
            row.errors.append(f"“{region.name}”不是社区或街道")
        elif not covers(user, region, "regions.change"):
            row.errors.append(f"没有维护“{region.name}”网格的权限")
        if (
            region is not None
            and row.code
            and region.level == "community"
            and not row.code.startswith(region.code)
        ):
            row.errors.append(f"网格编码应以所属社区编码 {region.code} 开头")
        if row.code and not re.fullmatch(r"\d{15}", row.code):
            row.errors.append("网格编码应为 15 位数字")
        if row.level and row.level not in LEVEL_BY_LABEL:
            row.errors.append(f"未知网格层级“{row.level}”")
        if row.kind and row.kind not in KIND_BY_LABEL:
            row.errors.append(f"未知网格类型“{row.kind}”")
        try:
            row.layers = parse_layers(row.layers)
        except ServiceError as exc:
            row.errors.append(exc.message)
            row.layers = {}
        if row.geom is not None:
            p = geo.invalid_problem(row.geom, row.code)
            if p:
                row.errors.append(p.message)
        grid = existing.get(row.code)
        if grid is not None and not covers(user, grid, "regions.change"):
            row.errors.append(f"网格 {row.code} 已存在且不在您的管辖范围内")
        prepared.append((row, region, grid))
    # Geometry against parents and siblings, per parent, with the imported grids replacing old ones.
    by_parent: dict[int, list] = {}
    for row, region, _grid in prepared:
        if region is not None and row.geom is not None and not row.errors:
            by_parent.setdefault(region.id, []).append(row)
    for region_id, parent_rows in by_parent.items():
        region = next(r for _, r, _ in prepared if r is not None and r.id == region_id)
        replaced = {r.code for r in parent_rows}
        siblings = [(c, g) for c, g in _sibling_geoms(region, None) if c not in replaced]
        parent_geom = geo.from_stored(region.polygon) if region.polygon else None
        tiling = [(r.code, r.geom) for r in parent_rows] + siblings
        ref = {r.code: r for r in parent_rows}
        for p in geo.validate_tiling(tiling, parent_geom, region.name, check_gaps=False):
            for c in (p.grid_code, p.other_code):
                if c in ref:
                    ref[c].errors.append(p.message)
                    break
    # Department layer codes must stay unique.
    layer_owner: dict[tuple[str, str], str] = {}
    for row, _region, _grid in prepared:
        for dept, code in (row.layers or {}).items():
            key = (dept, code)
            if key in layer_owner:
                row.errors.append(f"{Department(dept).label}网格编码“{code}”与{layer_owner[key]}重复")
            layer_owner[key] = row.ref
            clash = GridLayer.objects.filter(department=dept, code=code).exclude(grid__code=row.code).first()
            if clash:
                row.errors.append(f"{Department(dept).label}网格编码“{code}”已并入网格 {clash.grid.code}")
    return prepared


def import_rows(user, rows: list[ImportRow], *, dry_run: bool = False, source: str = "") -> ImportResult:
    """All or nothing: when any row has an error, nothing is written and every error is reported."""
    if not has_perm(user, "imports.run"):
        raise PermissionDenied("没有批量导入的权限")
    if not rows:
        raise ServiceError("文件中没有网格数据")
    result = ImportResult(dry_run=dry_run)
    prepared = _prepare(user, rows)
    for row, _r, _g in prepared:
        if row.geom is None and not any("边界" in e for e in row.errors):
            row.errors.append("缺少网格边界")
        if row.errors:
            result.errors[f"{row.ref}（{row.code or '无编码'}）"] = row.errors
    if result.errors:
        n = len(result.errors)
        raise ServiceError(f"导入失败：{n} 条数据有错误，未导入任何数据", errors=result.errors)
    if dry_run:
        result.created = sum(1 for _, _, g in prepared if g is None)
        result.updated = len(prepared) - result.created
        return result
    touched = set()
    with transaction.atomic():
        for row, region, grid in prepared:
            level = LEVEL_BY_LABEL.get(row.level) or _default_level(region)
            kind = KIND_BY_LABEL.get(row.kind) or GridKind.COMPREHENSIVE
            if grid is None:
                grid = Grid(region=region, code=row.code, name=row.name, level=level, kind=kind)
                _apply_geometry(grid, row.geom)
                full_clean(grid)
                grid.save()
                result.created += 1
                audit.record_create(user, grid)
            else:
                before = audit.snapshot(grid)
                grid.region, grid.name, grid.level, grid.kind = region, row.name, level, kind
                _apply_geometry(grid, row.geom)
                full_clean(grid)
                grid.save()
                result.updated += 1
                audit.record_update(user, grid, before)
            _write_layers(grid, row.layers or {})
            touched.add(region)
        audit.record(
            AuditAction.IMPORT,
            None,
            user=user,
            model_label="grids.grid",
            object_repr=f"网格导入 {source}".strip(),
            changes={"created": [None, result.created], "updated": [None, result.updated]},
        )
        bump_version()
        for region in touched:
            place_in_grids(region)
    return result


def rows_from_geojson(text: str | bytes | dict, system: str = "wgs84") -> list[ImportRow]:
    system = check_system(system)
    if isinstance(text, dict):
        data = text
    else:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ServiceError(f"文件不是有效的 GeoJSON：{getattr(exc, 'msg', exc)}") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ServiceError("GeoJSON 应为 FeatureCollection，并包含 features 列表")
    rows = []
    for i, feat in enumerate(data["features"], 1):
        props = (feat or {}).get("properties") or {}
        row = ImportRow(
            ref=f"第 {i} 个要素",
            code=str(props.get("code") or "").strip(),
            name=str(props.get("name") or "").strip(),
            community=str(props.get("community") or props.get("community_code") or "").strip(),
            level=str(props.get("level") or "").strip(),
            kind=str(props.get("kind") or "").strip(),
            layers=props.get("layers"),
        )
        if not row.community and len(row.code) == 15:
            row.community = row.code[:12]
        try:
            row.geom = geo.parse_geojson_geometry((feat or {}).get("geometry") or {}, system)
        except ServiceError as exc:
            row.errors.append(exc.message)
        rows.append(row)
    return rows


EXCEL_HEADERS = [
    "网格编码",
    "网格名称",
    "所属社区编码",
    "网格层级",
    "网格类型",
    "部门网格",
    "边界WKT",
    "边界坐标",
]


def rows_from_excel(content: bytes, system: str = "wgs84") -> list[ImportRow]:
    from openpyxl import load_workbook

    system = check_system(system)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ServiceError("无法读取 Excel 文件，请使用 .xlsx 格式") from exc
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(it, [])]
    missing = [h for h in ("网格编码", "网格名称") if h not in header]
    if missing or ("边界WKT" not in header and "边界坐标" not in header):
        raise ServiceError(
            "表头应包含：网格编码、网格名称、所属社区编码，以及“边界WKT”或“边界坐标”（经度,纬度;经度,纬度;…）"
        )
    col = {h: i for i, h in enumerate(header)}

    def cell(values, name):
        i = col.get(name)
        v = values[i] if i is not None and i < len(values) else None
        return "" if v is None else str(v).strip()

    rows = []
    for n, values in enumerate(it, 2):
        if not any(v not in (None, "") for v in values):
            continue
        row = ImportRow(
            ref=f"第 {n} 行",
            code=cell(values, "网格编码"),
            name=cell(values, "网格名称"),
            community=cell(values, "所属社区编码") or cell(values, "网格编码")[:12],
            level=cell(values, "网格层级"),
            kind=cell(values, "网格类型"),
            layers=cell(values, "部门网格"),
        )
        wkt_text, coord_text = cell(values, "边界WKT"), cell(values, "边界坐标")
        try:
            if wkt_text:
                row.geom = geo.parse_wkt(wkt_text, system)
            elif coord_text:
                row.geom = geo.parse_coordinates(coord_text, system)
        except ServiceError as exc:
            row.errors.append(exc.message)
        rows.append(row)
    return rows


def feature_collection(grids) -> dict:
    """GeoJSON (WGS-84) of grids, with codes, names, community and layers as properties."""
    features = []
    for g in grids:
        features.append(
            {
                "type": "Feature",
                "geometry": g.polygon,
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "community": g.region.code,
                    "community_name": g.region.name,
                    "level": g.level,
                    "kind": g.kind,
                    "layers": {layer.department: layer.code for layer in g.layers.all()},
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def export_columns():
    from grassroots.core.excel import Column

    return [
        Column("网格编码", "code"),
        Column("网格名称", "name", width=24),
        Column("所属社区编码", "region.code"),
        Column("所属社区", "region.name"),
        Column("网格层级", "get_level_display"),
        Column("网格类型", "get_kind_display"),
        Column("部门网格", layers_text, width=30),
        Column("面积(平方米)", "area_m2"),
        Column(
            "边界WKT", lambda g: shapely.to_wkt(geo.from_stored(g.polygon), rounding_precision=7), width=60
        ),
    ]
