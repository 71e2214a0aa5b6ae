"""Per-request context (request id, client IP, user) kept in context variables.

The middleware fills it; the audit log reads it, so a service never has to pass the request around.
Commands and background tasks run with an empty context and may set their own with `use_context`.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str = ""
    source: str = "system"


_current: ContextVar[RequestContext] = ContextVar("grassroots_request", default=RequestContext())  # noqa: B039 (frozen)


def current() -> RequestContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@contextlib.contextmanager
def use_context(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
