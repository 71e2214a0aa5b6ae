"""Gunicorn settings of `grassroots serve` (and of `grassroots bench intake`, which runs the same server).

preload_app: the master imports `grassroots.wsgi` (Django set up, URLconf, views, API routes and the
common templates loaded by core.warmup) before it forks, so a worker answers its first request with
the application already in memory instead of loading it then (8-37 s on a busy 2-core machine).
Database connections are never shared across the fork: the warm-up opens none, and the master closes
any before forking.
"""

from __future__ import annotations

preload_app = True


def pre_fork(server, worker):
    """Close, in the master, any database connection opened while loading (none is expected), so that
    no worker inherits a socket another process also uses."""
    from django.db import connections

    connections.close_all()


def when_ready(server):
    from grassroots.core.warmup import STATE

    server.log.info(
        "grassroots ready: app preloaded=%s (%s routes, %s templates, %.2f s)",
        bool(STATE.get("loaded")),
        STATE.get("routes", 0),
        STATE.get("templates", 0),
        STATE.get("seconds", 0.0),
    )


def child_exit(server, worker):
    """With preloading, prometheus_client's multiprocess files must learn that a worker is gone."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
