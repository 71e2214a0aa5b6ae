"""The filters of the service-centre and booking lists: one declaration for the pages, the API and the
exports. Centres already agreed. Bookings: the page had 搜索, 预约主体, 待使用 and 爽约 that the API
lacked, the API had 功能室 (room_id) the page lacked, and the page ignored a malformed date the API
refused — now both have all of them and both refuse it."""

from django.db.models import Q
from django.utils import timezone

from grassroots.core.listfilters import Choice, Custom, DateBound, Flag, Integer, ListFilters, Search, Subtree

from .models import LIVE_STATES, BookerKind, BookingState, CenterLevel


class CenterFilters(ListFilters):
    q = Search("搜索", placeholder="名称或拼音首字母", help="名称关键字或拼音首字母")
    level = Choice("层级", CenterLevel, all_label="全部层级")
    shared = Flag("共享阵地", q=Q(owner_unit__isnull=False), help="只列出（或排除）共享的单位阵地")
    region = Subtree("区域", "region", help="区划编码（含下级）")


def _booking_text(value: str, user) -> Q:
    return Q(title__icontains=value) | Q(room__name__icontains=value) | Q(room__center__name__icontains=value)


def _upcoming(value: bool, user) -> Q:
    q = Q(state__in=LIVE_STATES, start__gte=timezone.now())
    return q if value else ~q


def _no_show(value: bool, user) -> Q:
    # Booking.objects.no_shows(): confirmed, over, never checked in (derived, never stored)
    q = Q(state=BookingState.CONFIRMED, end__lte=timezone.now())
    return q if value else ~q


class BookingFilters(ListFilters):
    q = Custom("搜索", _booking_text, placeholder="活动名称或功能室", help="活动名称、功能室或阵地名称关键字")
    state = Choice("状态", BookingState, all_label="全部状态")
    booker_kind = Choice("预约主体", BookerKind)
    room_id = Integer("功能室", "room_id", min_value=1, max_value=2**62, help="功能室编号")
    date_from = DateBound("开始日期起", "start__date__gte")
    date_to = DateBound("开始日期至", "start__date__lte")
    upcoming = Custom("待使用", _upcoming, parse_as=Flag("待使用"), help="未开始且未取消的预约")
    no_show = Custom("爽约", _no_show, parse_as=Flag("爽约"), help="已确认、已结束而未签到")
    region = Subtree("区域", "room__center__region", help="区划编码（含下级）")
