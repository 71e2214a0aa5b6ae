"""Per-IP limit on password login failures, on top of django-axes' (username, IP) lockout.

Axes locks only the (username, IP) pair, so an attacker cannot lock a real user out from another
address. What that leaves open, guessing many usernames from one address, is refused here: once an IP
has LOGIN_FAILURES_PER_IP failures (over all usernames) within LOGIN_IP_WINDOW_SECONDS, every login
from it is refused until the window passes. Counted from axes' AccessAttempt table, so the limit holds
across all web workers.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def ip_failures(ip: str) -> int:
    from axes.models import AccessAttempt

    if not ip:
        return 0
    since = timezone.now() - datetime.timedelta(seconds=settings.LOGIN_IP_WINDOW_SECONDS)
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def ip_blocked(ip: str) -> bool:
    return ip_failures(ip) >= settings.LOGIN_FAILURES_PER_IP


BLOCKED_MESSAGE = "该网络登录失败次数过多，请稍后再试（约 15 分钟）。"
