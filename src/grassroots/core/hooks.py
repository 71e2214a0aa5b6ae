"""What core needs from the apps above it, provided by those apps (core imports no other app).

Core is the bottom layer: scoping, audit, the API, list views, health and security headers. A few of
its services need an answer only an app above it can give (the user's role assignments, the region
tree, the base-map origins...). Each such answer is a named hook here; the app that owns the answer
calls `provide(name, fn)` from its AppConfig.ready(), and core calls `hook(name)` (or `call(...)`).

The hooks (name: provider — what it answers):
- "grants": accounts — `fn(user) -> list[scoping.Grant]`, the user's role assignments.
- "token_user": accounts — `fn(token) -> User | None`, the active user of an API token.
- "region_model": regions — the Region tree model (`?region=<code>` filters, exports by region).
- "user_context": notifications — `fn(user) -> dict` merged into every page's context.
- "csp_img_origins": grids — `fn() -> list[str]`, the base-map tile origins allowed in img-src.
- "calendar_years_missing": cases — `fn(years) -> set[int]`, years without a loaded workday calendar.
- "audit_value": accounts, standards — `fn(model, name, value, rule_code) -> str | None`, a recorded
  value as the audit pages show it (role names, rule parameters); None = not theirs.

A hook may have several providers (`provide` appends); `hook(name)` returns the last one, `hooks(name)`
all of them.
"""

from __future__ import annotations

from collections.abc import Callable

_HOOKS: dict[str, list[Callable]] = {}

KNOWN = {
    "grants",
    "token_user",
    "region_model",
    "user_context",
    "csp_img_origins",
    "calendar_years_missing",
    "audit_value",
}


def provide(name: str, fn) -> None:
    if name not in KNOWN:
        raise ValueError(f"unknown hook {name!r}")
    if fn not in _HOOKS.setdefault(name, []):
        _HOOKS[name].append(fn)


def hooks(name: str) -> list:
    return list(_HOOKS.get(name, ()))


def hook(name: str, default=None):
    found = _HOOKS.get(name)
    return found[-1] if found else default


def required(name: str):
    found = hook(name)
    if found is None:
        raise RuntimeError(f"no app provides the core hook {name!r}")
    return found
