from __future__ import annotations

from . import hooks
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    context = {"nav_menu": menu_for(user, request.path)}
    for provided in hooks.hooks("user_context"):
        context.update(provided(user))
    return context
