"""The filters of the emergency list: one declaration for the page, the API and the export. The page had
搜索 and 类型 that the API lacked. 区域 differed: the page listed the emergencies declared within the
region, the API also those declared above it (a district-wide emergency concerns each of its
communities) and answered an unknown code with a 404 without checking the caller's scope — now both
list the region's own, its subtree's and its ancestors' emergencies, and a region out of sight gives no
rows."""

from django.db.models import Q

from grassroots.core.listfilters import Choice, Custom, ListFilters, Subtree

from .models import Kind
from .workflow import EmergencyState


def _text(value: str, user) -> Q:
    return Q(title__icontains=value) | Q(number__icontains=value)


def _region_up_and_down(value: str, user) -> Q:
    from grassroots.regions.models import Region

    node = Region.objects.visible_to(user).filter(code=value).only("path").first()
    if node is None:
        return Q(pk__in=[])
    ancestors = [node.path[:i] for i in range(Region.steplen, len(node.path), Region.steplen)]
    return Q(region__path__startswith=node.path) | Q(region__path__in=ancestors)


class EmergencyFilters(ListFilters):
    q = Custom("搜索", _text, placeholder="编号或名称", help="编号或名称关键字")
    state = Choice("状态", EmergencyState)
    kind = Choice("类型", Kind, api_name="EmergencyKind")
    region = Custom(
        "区域",
        _region_up_and_down,
        parse_as=Subtree("区域", "region"),
        help="区划编码（含上下级：该区划及其下级、上级宣布的应急事件）",
    )
