from __future__ import annotations

from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    from grassroots.notifications.services import unread_count

    return {"nav_menu": menu_for(user, request.path), "unread_notifications": unread_count(user)}
