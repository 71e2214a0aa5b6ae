"""Load the whole application before the web server accepts its first request.

Django imports the URLconf (every app's views, forms, the API routers and their schemas) and compiles
templates lazily, on the first request a process answers. Under gunicorn that cost (seconds on a busy
2-core machine) fell on the first visitor of every worker. `grassroots serve` runs gunicorn with
`grassroots.gunicorn_conf` (preload_app): the master imports `grassroots.wsgi`, which calls `warm_up()`
once, then forks its workers with everything already in memory.

No database access happens here: connections must not be shared across the fork (the config closes any
anyway in post_fork).
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("grassroots.warmup")

# Templates nearly every page extends or includes; compiled once in the master, shared by the workers.
TEMPLATES = (
    "base.html",
    "includes/list_page.html",
    "includes/form_page.html",
    "includes/pagination.html",
    "includes/empty.html",
    "registration/login.html",
    "dashboards/home.html",
)

# Set by warm_up(): what was loaded and how long it took (read by tests and by the ready log line).
STATE: dict = {}


def _count(patterns) -> int:
    """URL patterns, included URLconfs (every app's, the API's) counted through."""
    return sum(_count(p.url_patterns) if hasattr(p, "url_patterns") else 1 for p in patterns)


def warm_up() -> dict:
    """Import the URLconf and every view module, build the API routes, compile the common templates."""
    from django.template import TemplateDoesNotExist, engines
    from django.urls import get_resolver

    t = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports the root URLconf and every app's urls and views)
    resolver._populate()  # the reverse() tables
    n_routes = _count(resolver.url_patterns)
    n_templates = 0
    for engine in engines.all():
        for name in TEMPLATES:
            try:
                engine.get_template(name)
                n_templates += 1
            except TemplateDoesNotExist:
                continue
    STATE.update(
        loaded=True, routes=n_routes, templates=n_templates, seconds=round(time.perf_counter() - t, 3)
    )
    log.info("app preloaded: %d routes, %d templates in %.2f s", n_routes, n_templates, STATE["seconds"])
    return STATE
