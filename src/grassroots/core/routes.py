"""The routes of the pages: one `path` for function views and page classes alike."""

from __future__ import annotations

from django.urls import path as django_path
from django.views import View

__all__ = ["path"]


def path(route: str, view, kwargs=None, name: str | None = None):
    """django.urls.path that also takes a class-based view as its class (ScopedListView, PageListView,
    ServiceFormView...): `.as_view()` is called here once rather than at every route of every app."""
    if isinstance(view, type) and issubclass(view, View):
        view = view.as_view()
    return django_path(route, view, kwargs, name=name)
