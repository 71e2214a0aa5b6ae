"""The supervisor of `grassroots serve`: restarts exited children with doubling delays, stops when
the primary child (the web server) exits, and stops its children."""

from __future__ import annotations

import sys
import time

from grassroots.core.supervisor import Child, Supervisor

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]
EXIT = [sys.executable, "-c", "raise SystemExit(3)"]


def poll_until(sup: Supervisor, predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert sup.poll()
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_crashing_child_is_restarted_with_doubling_delays_and_others_keep_running(caplog):
    crashing, steady = Child("crashing", EXIT), Child("steady", SLEEP)
    sup = Supervisor([crashing, steady], first_delay=0.1, max_delay=0.4, stable=60)
    sup.start()
    try:
        steady_pid = steady.proc.pid
        poll_until(sup, lambda: crashing.restarts >= 4 and crashing.proc is None)
        assert crashing.delay == 0.4  # 0.1, 0.2, 0.4, then capped
        assert steady.proc.pid == steady_pid and steady.proc.poll() is None
        assert "crashing exited with code 3 (error); restarting in 0.1s" in caplog.text
        assert "restarting in 0.2s" in caplog.text and "restarting in 0.4s" in caplog.text
    finally:
        sup.stop(timeout=10)
    assert steady.proc.poll() is not None  # stopped with the supervisor


def test_the_supervisor_stops_when_the_primary_child_exits():
    web, worker = Child("web", EXIT, primary=True), Child("worker", SLEEP)
    sup = Supervisor([web, worker], first_delay=0.1)
    assert sup.run(tick=0.05) == 3
    assert worker.proc.poll() is not None
