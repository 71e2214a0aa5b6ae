"""The user's own inbox. Every query is filtered by request.user: there is no scope to widen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from grassroots.core.errors import NotFound

from . import services
from .models import Notification

PAGE_SIZE = 20


@login_required
def inbox(request):
    qs = Notification.objects.filter(user=request.user)
    show = request.GET.get("show", "unread")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    kind_prefix = request.GET.get("app", "")
    if kind_prefix:
        qs = qs.filter(kind__startswith=kind_prefix + ".")
    page = Paginator(
        qs.only("id", "kind", "title", "body", "url", "created_at", "read_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    apps = sorted(
        {
            k.split(".", 1)[0]
            for k in Notification.objects.filter(user=request.user).values_list("kind", flat=True).distinct()
        }
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page_obj": page,
            "show": show,
            "app": kind_prefix,
            "apps": [(a, services.kind_label(a + ".x")) for a in apps],
            "unread": services.unread_count(request.user),
            "querystring_without_page": _query_without_page(request),
        },
    )


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/notifications/"


@login_required
@require_POST
def open_message(request, pk: int):
    """Mark read and go to the message's page (a POST, so reading is never a side effect of a GET)."""
    try:
        n = services.mark_read(request.user, pk)
    except NotFound:
        raise Http404("消息不存在") from None
    return redirect(_safe_next(request, n.url))


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")


# ---------------------------------------------------------------------------------------------
# Administrators: messages that could not be sent after every retry
# ---------------------------------------------------------------------------------------------
def _require_manager(request):
    from grassroots.core.scoping import has_perm

    if not has_perm(request.user, "accounts.manage"):
        raise Http404


@login_required
def outbox_failed(request):
    from grassroots.core.masking import mask_phone

    from .models import Channel

    _require_manager(request)
    qs = services.failed_outbox_visible_to(request.user).select_related("notification", "notification__user")
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(notification__title__icontains=q)
    page = Paginator(qs.order_by("-failed_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page:  # recipient addresses are personal data: masked on the server
        m.to_masked = mask_phone(m.to) if m.channel == Channel.SMS else (m.to[:4] + "****" if m.to else "")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "notifications/outbox_failed.html",
        {
            "page_obj": page,
            "channels": Channel.choices,
            "channel": channel,
            "q": q,
            "querystring_without_page": params.urlencode() + "&" if params else "",
        },
    )


@login_required
@require_POST
def outbox_retry(request):
    from django.contrib import messages

    from grassroots.core.errors import ServiceError

    _require_manager(request)
    try:
        n = services.retry_failed_outbox(request.user, request.POST.getlist("ids"))
    except NotFound as exc:
        raise Http404 from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已重新提交 {n} 条消息发送。")
    return redirect("notifications:outbox_failed")
