"""The `grassroots` console command.

`grassroots serve` runs the production server (gunicorn) beside the supervised task workers and the
scheduler; every other sub-command is a Django management command (`grassroots demo`, `grassroots import`,
`grassroots createuser`, `grassroots bench`, ...), so `grassroots help` lists them all.
"""

from __future__ import annotations

import os
import signal
import sys


def gunicorn_command(bind: str, workers, extra: list[str] = ()) -> list[str]:
    """The web server's command line, shared by `serve` and `grassroots bench intake` / `bench cases`
    (so a bench measures the production server as deployed). grassroots.gunicorn_conf preloads the app
    in the master before the workers fork (no cold first request per worker)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.wsgi:application",
        "--config",
        "python:grassroots.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--graceful-timeout",
        "10",
        *extra,
    ]


def serve(argv: list[str]) -> int:
    """Gunicorn (the web side) plus N task workers and the scheduler, all under one supervisor.

    A worker or the scheduler that exits is restarted with backoff (1 s, 2 s, ... up to
    GRASSROOTS_RESTART_MAX_DELAY); gunicorn exiting stops everything. Options:
      --workers N       task workers (default GRASSROOTS_TASK_WORKERS or 1)
      --web-workers N   gunicorn workers (default GRASSROOTS_WORKERS or 3)
      --no-web          supervise the workers and the scheduler only (a worker node)
    Anything else is passed to gunicorn.
    """
    import argparse
    import logging

    from django.conf import settings

    from grassroots.core.supervisor import Child, Supervisor

    parser = argparse.ArgumentParser(prog="grassroots serve", add_help=True)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GRASSROOTS_TASK_WORKERS", "1")))
    parser.add_argument("--web-workers", default=os.environ.get("GRASSROOTS_WORKERS", "3"))
    parser.add_argument("--no-web", action="store_true")
    opts, rest = parser.parse_known_args(argv)
    if opts.workers < 0:
        parser.error("--workers must be 0 or more")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    port = os.environ.get("GRASSROOTS_PORT", str(settings.PORT))
    host = os.environ.get("GRASSROOTS_HOST", "127.0.0.1")
    me = [sys.executable, "-m", "grassroots.cli"]
    children = [
        Child(
            f"task-worker-{i + 1}",
            [*me, "task_worker", "--no-startup-delay"],
            env={"GRASSROOTS_ROLE": "worker"},
        )
        for i in range(opts.workers)
    ]
    # Enqueues the periodic jobs (core/schedule.py) for the workers: nightly checks, digests, reminders.
    children.append(Child("scheduler", [*me, "scheduler"], env={"GRASSROOTS_ROLE": "scheduler"}))
    if not opts.no_web:
        if getattr(settings, "METRICS_ENABLED", False):
            from grassroots.core import metrics

            metrics.prepare_multiprocess_dir()
        # With JSON logs each request already has its own line (core.metrics.MetricsMiddleware).
        access = [] if getattr(settings, "LOG_JSON", False) else ["--access-logfile", "-"]
        web = gunicorn_command(f"{host}:{port}", opts.web_workers, [*access, *rest])
        children.insert(0, Child("web", web, primary=True, env={"GRASSROOTS_ROLE": "web"}))
    supervisor = Supervisor(
        children,
        first_delay=float(os.environ.get("GRASSROOTS_RESTART_DELAY", "1")),
        max_delay=float(os.environ.get("GRASSROOTS_RESTART_MAX_DELAY", "60")),
    )
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    return supervisor.run()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    if argv and argv[0] == "serve":
        return serve(argv[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["grassroots", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
