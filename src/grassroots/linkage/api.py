"""Read API of 四级联动: the assignments the caller sees (receivers: their own; issuers: their tasks')."""

from __future__ import annotations

import datetime

from django.utils import timezone
from ninja import Router, Schema

from grassroots.core.api import ERRORS
from grassroots.core.errors import NotFound
from grassroots.core.scoping import has_perm

from .models import TaskAssignment

router = Router(tags=["四级联动"])


class TaskAssignmentOut(Schema):
    id: int
    task_id: int
    title: str
    region: str
    state: str
    state_label: str
    progress: int
    deadline: datetime.date
    overdue: bool
    escalated: bool


def _out(a: TaskAssignment, today) -> dict:
    return {
        "id": a.pk,
        "task_id": a.task_id,
        "title": a.task.title,
        "region": a.region.name,
        "state": a.state,
        "state_label": a.get_state_display(),
        "progress": a.progress,
        "deadline": a.deadline,
        "overdue": a.is_overdue(today),
        "escalated": a.escalated_at is not None,
    }


@router.get("/assignments", response={200: list[TaskAssignmentOut], **ERRORS}, summary="承办任务列表")
def list_assignments(request, state: str = "", limit: int = 100):
    if not has_perm(request.user, "linkage.view"):
        raise NotFound()
    qs = (
        TaskAssignment.objects.visible_to(request.user)
        .select_related("task", "region")
        .order_by("deadline", "id")
    )
    if state:
        qs = qs.filter(state=state)
    today = timezone.localdate()
    return [_out(a, today) for a in qs[: max(1, min(limit, 500))]]


@router.get("/assignments/{pk}", response={200: TaskAssignmentOut, **ERRORS}, summary="承办任务详情")
def get_assignment(request, pk: int):
    a = TaskAssignment.objects.visible_to(request.user).select_related("task", "region").filter(pk=pk).first()
    if a is None:
        raise NotFound()
    return _out(a, timezone.localdate())
