"""The caller's own messages (/api/v1/notifications/)."""

from __future__ import annotations

import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from grassroots.core.api import CursorPagination
from grassroots.core.crud import endpoint

from . import services
from .models import Notification

router = Router(tags=["消息通知"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class UnreadOut(Schema):
    unread: int


@router.get("/", response=list[NotificationOut], operation_id="notifications_list", summary="我的消息")
@paginate(CursorPagination)
def list_notifications(request, unread: bool = False):
    qs = Notification.objects.filter(user=request.auth)
    return qs.filter(read_at__isnull=True) if unread else qs


@router.get("/unread", response=UnreadOut, operation_id="notifications_unread", summary="未读数")
def unread(request):
    return {"unread": services.unread_count(request.auth)}


@endpoint(router.post, "/{int:pk}/read", NotificationOut, "notifications_read", "标为已读")
def read(request, pk: int):
    return services.mark_read(request.auth, pk)


@router.post("/read-all", response=UnreadOut, operation_id="notifications_read_all", summary="全部标为已读")
def read_all(request):
    services.mark_all_read(request.auth)
    return {"unread": 0}
