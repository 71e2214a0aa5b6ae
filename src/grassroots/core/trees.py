"""Scoped writes on the two materialized-path trees (Region, PartyOrg)."""

from __future__ import annotations

from django.db import transaction

from . import audit
from .errors import NotFound, PermissionDenied
from .scoping import covers, has_perm, perm_code
from .services import _check_still_in_scope, full_clean


def add_node(user, model, parent, data: dict, *, action: str = "change"):
    """Create a tree node under `parent` (None = a root, superusers only), validated and audited."""
    if parent is None:
        if not user.is_superuser:
            raise PermissionDenied("只有系统管理员可以创建根节点")
    elif not covers(user, parent, action):
        raise NotFound("上级节点不存在或不在您的管辖范围内")
    if not has_perm(user, perm_code(model, action)):
        raise PermissionDenied()
    node = model(**data)
    if parent is not None:
        # Validate with the real depth/path context before writing.
        node.depth = parent.depth + 1
    full_clean(node, exclude=["path", "depth", "numchild"])
    with transaction.atomic():
        if parent is None:
            node = model.objects.add_root(instance=node)
        else:
            parent.refresh_from_db()
            node = model.objects.add_child(parent, instance=node)
        _check_still_in_scope(user, node, action)
        audit.record_create(user, node)
    return node


def move_node(user, node, new_parent, *, action: str = "change"):
    """Move a node (and its subtree) under another parent inside the user's scope."""
    if not covers(user, node, action):
        raise NotFound()
    if not covers(user, new_parent, action):
        raise NotFound("目标上级不存在或不在您的管辖范围内")
    if new_parent.path.startswith(node.path):
        from .errors import ServiceError

        raise ServiceError("不能移动到自身或其下级之下")
    before = audit.snapshot(node)
    old_parent = type(node).objects.get_parent(node)
    with transaction.atomic():
        type(node).objects.move(node, new_parent, "last-child")
        node.refresh_from_db()
        _check_still_in_scope(user, node, action)
        changes = audit.diff(before, audit.snapshot(node))
        changes["parent"] = [getattr(old_parent, "code", None), new_parent.code]
        audit.record(audit.AuditAction.UPDATE, node, user=user, changes=changes)
    return node


def delete_leaf(user, node, *, action: str = "change") -> None:
    from .errors import ServiceError

    if not covers(user, node, action):
        raise NotFound()
    if node.numchild:
        raise ServiceError("该节点下还有下级，不能删除")
    from .services import delete_object

    delete_object(user, node, action=action)
