"""Rate limits on the cache: fixed-window counters (one cache key per scope, client and window).

Used where an anonymous form or endpoint must be capped per client (the resident report form's
submissions per IP and per session). Counting in the cache keeps abuse from writing rows to the
database. With GRASSROOTS_REDIS_URL the cache is shared by every web worker and node, so the limit is
exact; on the embedded default (per-process memory cache) each web worker counts on its own, so a
client can reach the limit once per worker, which is still a cap. A fixed window lets a client use up
one window's allowance at its end and the next at its start (at most twice the limit in a short burst).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int, now: float | None = None) -> str:
    slot = int((time.time() if now is None else now) // window)
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:40]
    return f"ratelimit:{scope}:{digest}:{window}:{slot}"


def count(scope: str, ident: str, window: int, *, now: float | None = None) -> int:
    """Hits of `ident` in the current window of `scope`."""
    return int(cache.get(_key(scope, ident, window, now), 0))


def exceeded(scope: str, ident: str, limit: int, window: int, *, now: float | None = None) -> bool:
    """Whether `ident` has used up its `limit` in the current window (without counting a hit)."""
    return count(scope, ident, window, now=now) >= limit


def hit(scope: str, ident: str, window: int, step: int = 1, *, now: float | None = None) -> int:
    """Count `step` hits for `ident`; returns the new count of the window."""
    key = _key(scope, ident, window, now)
    cache.add(key, 0, window)
    try:
        return cache.incr(key, step)
    except ValueError:  # the key expired between add and incr
        cache.set(key, step, window)
        return step
