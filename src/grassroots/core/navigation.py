"""The left navigation. Apps add entries here; an entry shows only to users holding its permission."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .scoping import has_perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    perm: str | None = None
    section: str = ""
    # Shown also to users without `perm` for whom this returns True (e.g. department members, who
    # work on the cases of their handler without a region-wide case permission).
    visible: Callable | None = None
    # When set, the one predicate deciding who sees the entry: the same function the view checks
    # (e.g. case analytics need a region-wide case grant, which residents' own-records grant is not).
    when: Callable | None = None

    def shown_to(self, user) -> bool:
        if self.when is not None:
            return bool(self.when(user))
        if not self.perm or has_perm(user, self.perm):
            return True
        return self.visible is not None and bool(self.visible(user))


MENU: list[NavItem] = [
    NavItem("工作台", "home", "home", "dashboards.view"),
]


def register(*items: NavItem) -> None:
    MENU.extend(items)


def menu_for(user, path: str) -> list[dict]:
    out = []
    for item in MENU:
        if not item.shown_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = path == url if url == "/" else path.startswith(url)
        out.append(
            {"label": item.label, "url": url, "icon": item.icon, "active": active, "section": item.section}
        )
    return out
