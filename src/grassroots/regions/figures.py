"""Counts of other apps' records under a region, shown on the region pages.

The regions app sits below party, units and people, so it does not import them: each registers the
count it contributes from its AppConfig.ready():

    register(SubtreeFigure("members", lambda user: Member.objects.visible_to(user), "party_org__region__path",
                           per_child=True))

`key` is the name the templates read (`counts.members`), `queryset(user)` the user's scoped rows,
`region_path` the lookup to the row's region path, `per_child` whether the tree's child rows show it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SubtreeFigure:
    key: str
    queryset: Callable
    region_path: str
    per_child: bool = False


_FIGURES: dict[str, SubtreeFigure] = {}


def register(*figures: SubtreeFigure) -> None:
    for f in figures:
        _FIGURES[f.key] = f


def subtree_figures() -> list[SubtreeFigure]:
    return list(_FIGURES.values())
