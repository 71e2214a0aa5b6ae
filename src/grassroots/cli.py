"""The `grassroots` console command.

`grassroots serve` runs the production server (gunicorn) beside the background task worker; every
other sub-command is a Django management command (`grassroots demo`, `grassroots import`,
`grassroots createuser`, `grassroots bench`, ...), so `grassroots help` lists them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def serve(argv: list[str]) -> int:
    from django.conf import settings

    port = os.environ.get("GRASSROOTS_PORT", str(settings.PORT))
    host = os.environ.get("GRASSROOTS_HOST", "127.0.0.1")
    workers = os.environ.get("GRASSROOTS_WORKERS", "3")
    worker = subprocess.Popen([sys.executable, "-m", "grassroots.cli", "db_worker", "--no-startup-delay"])
    # Enqueues the periodic jobs (core/schedule.py) for the worker: nightly checks, digests, reminders.
    scheduler = subprocess.Popen([sys.executable, "-m", "grassroots.cli", "scheduler"])
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        *argv,
    ]
    server = subprocess.Popen(cmd)

    def stop(*_):
        server.terminate()
        worker.terminate()
        scheduler.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return server.wait()
    finally:
        worker.terminate()
        scheduler.terminate()
        worker.wait(timeout=10)
        scheduler.wait(timeout=10)


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
