"""Pages of the region tree and households. Reads are scoped (visible_to); writes call regions.services."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join

from grassroots.core.excel import Column
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    get_visible,
    require_perm,
    subtree_counts,
    tree_pages,
)
from grassroots.core.text import name_search_q

from . import services
from .choices import RegionLevel
from .figures import subtree_figures
from .filters import HouseholdFilters
from .forms import HouseholdForm, RegionForm
from .geometry import polygon_geometry
from .models import Household, Region

LEVEL_BADGE = {
    "city": "red",
    "district": "orange",
    "street": "yellow",
    "community": "green",
    "neighborhood": "teal",
    "building": "blue",
    "entrance": "azure",
}


def region_url(region: Region) -> str:
    return reverse("regions:detail", args=[region.code])


def with_counts(user, nodes: list[Region]) -> list[Region]:
    """Attach subtree counts (communities, households, members) to each node: 3 queries in all."""
    if not nodes:
        return nodes
    communities = subtree_counts(
        nodes, Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY), "path"
    )
    households = subtree_counts(nodes, Household.objects.visible_to(user), "entrance__path")
    others = {
        f.key: subtree_counts(nodes, f.queryset(user), f.region_path)
        for f in subtree_figures()
        if f.per_child
    }
    for n in nodes:
        n.counts = {
            "communities": communities[n.path]["n"],
            "households": households[n.path]["n"],
            **{key: counts[n.path]["n"] for key, counts in others.items()},
        }
        n.badge = LEVEL_BADGE.get(n.level, "secondary")
    return nodes


def places(regions) -> dict[str, str]:
    """{path: "团岛社区 团岛小区 1号楼 1单元"} from the community down, for many regions in one query."""
    wanted = set()
    for r in regions:
        for depth in range(4, r.depth + 1):
            wanted.add(r.path[: depth * Region.steplen])
    names = dict(Region.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    out = {}
    for r in regions:
        parts = [names.get(r.path[: d * Region.steplen], "") for d in range(4, r.depth)]
        out[r.path] = " ".join(p for p in parts + [r.name] if p)
    return out


def _search(user, q: str):
    q = q.strip()
    cond = name_search_q(q) | Q(code__startswith=q)
    return Region.objects.visible_to(user).filter(cond).order_by("depth", "path")[:30]


def _decorate(results) -> None:
    labels = places(results)
    for r in results:
        r.place = labels.get(r.path, r.name)
        r.badge = LEVEL_BADGE.get(r.level, "secondary")


tree, tree_children = tree_pages(
    "regions", Region, search=_search, url_of=region_url, counted=with_counts, decorate=_decorate
)


@login_required
def lookup(request):
    """Datalist options for code inputs: visible regions matching the typed text (at most 20). Without
    regions.view (members' and residents' forms) the list is empty rather than a 404."""
    q = next((v for k, v in request.GET.items() if k != "level" and v.strip()), "").strip()
    qs = Region.objects.visible_to(request.user)
    if request.GET.get("level") in RegionLevel.values:
        qs = qs.filter(level=request.GET["level"])
    if q:
        qs = qs.filter(name_search_q(q) | Q(code__startswith=q.split(" ")[0]))
    rows = list(qs.order_by("depth", "path")[:20])
    labels = places(rows)
    html = format_html_join(
        "", '<option value="{}">{}</option>', ((r.code, labels.get(r.path, r.name)) for r in rows)
    )
    from django.http import HttpResponse

    return HttpResponse(html)


def _feature(region: Region, role: str):
    geo = region.polygon
    if not isinstance(geo, dict):
        return None
    if geo.get("type") == "FeatureCollection":
        geo = (geo.get("features") or [{}])[0]
    geometry = geo.get("geometry", geo) if geo.get("type") == "Feature" else geo
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return {
        "type": "Feature",
        "properties": {"name": region.name, "code": region.code, "role": role},
        "geometry": geometry,
    }


@login_required
def detail(request, code: str):
    require_perm(request.user, "regions.view")
    user = request.user
    node = get_visible(Region, user, code=code)
    visible_paths = set(
        Region.objects.visible_to(user)
        .filter(path__in=[node.path[: d * Region.steplen] for d in range(1, node.depth)])
        .values_list("path", flat=True)
    )
    ancestors = list(Region.objects.get_ancestors(node))
    for a in ancestors:
        a.visible = a.path in visible_paths
    children = with_counts(user, list(Region.objects.get_children(node).visible_to(user)))
    sub = {"path__startswith": node.path}
    counts = {
        "households": Household.objects.visible_to(user).filter(entrance__path__startswith=node.path).count(),
        **{
            f.key: f.queryset(user).filter(**{f"{f.region_path}__startswith": node.path}).count()
            for f in subtree_figures()
        },
        "communities": Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY, **sub).count(),
    }
    features = [f for f in [_feature(node, "self")] + [_feature(c, "child") for c in children] if f]
    geo = {"type": "FeatureCollection", "features": features} if features else None
    households = []
    if node.level == RegionLevel.ENTRANCE:
        households = list(
            Household.objects.visible_to(user).filter(entrance=node).order_by("name_initials", "id")[:200]
        )
    ctx = {
        "node": node,
        "badge": LEVEL_BADGE.get(node.level, "secondary"),
        "ancestors": ancestors,
        "children": children,
        "counts": counts,
        "geo": geo,
        "households": households,
        "child_level_label": RegionLevel(node.child_level).label if node.child_level else "",
    }
    return render(request, "regions/detail.html", ctx)


class RegionFormMixin:
    perm = "regions.change"

    def url_for(self, obj):
        return region_url(obj)

    def breadcrumbs(self):
        crumbs = [("行政区划", reverse("regions:tree"))]
        if self.object is not None:
            crumbs.append((self.object.name, region_url(self.object)))
        return crumbs


class RegionAddChildView(RegionFormMixin, ServiceFormView):
    form_class = RegionForm
    service = services.add_region

    def get_object(self):
        return get_visible(Region, self.request.user, action="change", code=self.kwargs["code"])

    def get_title(self):
        return f"新增{RegionLevel(self.object.child_level).label}" if self.object.child_level else "新增下级"

    def get_form(self, data=None):
        return RegionForm(
            data,
            user=self.request.user,
            instance=Region(level=self.object.child_level or ""),
            level=self.object.child_level or "",
        )


class RegionEditView(RegionFormMixin, ServiceFormView):
    form_class = RegionForm
    service = services.update_region

    def get_object(self):
        return get_visible(Region, self.request.user, action="change", code=self.kwargs["code"])

    def get_title(self):
        return f"编辑{self.object.get_level_display()}：{self.object.name}"

    def get_form(self, data=None):
        fresh = Region.objects.get(pk=self.object.pk)
        return RegionForm(data, user=self.request.user, instance=fresh, level=self.object.level)

    template_name = "regions/edit.html"

    def extra_context(self, form) -> dict:
        """A single-polygon boundary is edited on the map (the grids' SVG editor: drag, add and delete
        vertices over the parent's boundary and the siblings'); other shapes keep the GeoJSON field."""
        from django import forms as dj_forms

        node = self.object
        geometry = polygon_geometry(node.polygon)
        if "polygon" not in form.fields or not geometry or geometry["type"] != "Polygon":
            return {}
        parent = Region.objects.filter(path=node.path[: -Region.steplen]).first() if node.depth > 1 else None
        siblings = (
            Region.objects.get_children(parent).exclude(pk=node.pk).only("polygon")[:200] if parent else []
        )
        form.fields["polygon"].widget = dj_forms.HiddenInput()
        if not form.is_bound:
            form.initial["polygon"] = json.dumps(geometry, ensure_ascii=False)
        return {
            "edit_data": {
                "grid": {"polygon": geometry},
                "parent": polygon_geometry(parent.polygon) if parent else None,
                "siblings": [{"polygon": g} for g in (polygon_geometry(s.polygon) for s in siblings) if g],
            }
        }


# ---- households ----------------------------------------------------------------------------------


def household_url(h: Household) -> str:
    return reverse("regions:household_detail", args=[h.pk])


def _tag_labels(h: Household) -> str:
    return "、".join(h.tag_labels)


class HouseholdListView(PageListView):
    model = Household
    template_name = "regions/household_list.html"
    title = "住户"
    list_filters = HouseholdFilters
    select_related = ("entrance",)
    # Not by room (nor by id, which follows the room order of most imports): with rooms masked, the
    # position in a room-ordered list would give the floor and the number away.
    ordering = ("entrance__path", "name_initials", "id")
    create_url_name = "regions:household_add"
    empty_hint = "可调整筛选条件，或在单元页面登记住户。"
    export_title = "住户"
    export_columns = [
        Column("单元编码", "entrance.code", width=20),
        Column("单元", "entrance.name", width=10),
        Column("房号", "room", personal="room", width=10),
        Column("户主", "head_name", personal="name", width=12),
        Column("联系电话", "phone", personal="phone", width=16),
        Column("人数", "size", width=8),
        Column("标签", _tag_labels, width=24),
        Column("备注", "note", width=24),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = list(ctx["object_list"])
        labels = places([h.entrance for h in rows])
        for h in rows:
            h.place = labels.get(h.entrance.path, h.entrance.name)
        ctx["object_list"] = rows
        return ctx


@login_required
def household_detail(request, pk: int):
    require_perm(request.user, "regions.view")
    h = get_visible(Household, request.user, pk=pk, select_related=("entrance",))
    ancestors = list(Region.objects.get_ancestors(h.entrance))
    return render(request, "regions/household_detail.html", {"h": h, "ancestors": ancestors})


class HouseholdFormMixin:
    perm = "regions.change"
    form_class = HouseholdForm

    def url_for(self, obj):
        return household_url(obj)

    def breadcrumbs(self):
        return [("住户", reverse("regions:households"))]


class HouseholdCreateView(HouseholdFormMixin, ServiceFormView):
    title = "登记住户"

    def get_instance(self):
        return Household()

    def get_initial(self):
        return {"entrance": self.request.GET.get("entrance", "")}

    def cancel_url(self):
        return self.request.GET.get("back") or reverse("regions:households")

    def save(self, form):
        data = form.service_data()
        entrance = data.pop("entrance")
        tags = data.pop("tags", [])
        return services.add_household(self.request.user, entrance, tags=tags, **data)


class HouseholdEditView(HouseholdFormMixin, ServiceFormView):
    title = "编辑住户"

    def get_object(self):
        return get_visible(
            Household, self.request.user, action="change", pk=self.kwargs["pk"], select_related=("entrance",)
        )

    def get_instance(self):
        return Household.objects.select_related("entrance").get(pk=self.object.pk)

    def save(self, form):
        data = form.service_data()
        tags = data.pop("tags", [])
        return services.update_household(self.request.user, self.object, tags=tags, **data)
