"""Helpers for treebeard materialized-path trees that are also scoped."""

from __future__ import annotations

from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet

from .scoping import ScopedQuerySet


class ScopedTreeQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    pass


class ScopedTreeManager(MP_NodeManager):
    def get_queryset(self):
        return ScopedTreeQuerySet(self.model).order_by("path")

    def visible_to(self, user, action: str = "view"):
        return self.get_queryset().visible_to(user, action)
