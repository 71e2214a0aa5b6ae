"""A small process supervisor for `grassroots serve`: starts its children, restarts any that exits
(with exponential backoff, reset once a child has run for a while) and logs every exit and start.

Children marked `primary` (the web server) end the supervisor when they exit: gunicorn is itself a
supervisor of its workers, and its exit means the operator (or a fatal config error) stopped it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field

log = logging.getLogger("grassroots.supervisor")


@dataclass
class Child:
    name: str
    argv: list[str]
    primary: bool = False
    env: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    next_start: float = 0.0
    delay: float = 0.0
    restarts: int = 0


class Supervisor:
    def __init__(self, children: list[Child], first_delay: float = 1.0, max_delay: float = 60.0, stable=30.0):
        self.children = children
        self.first_delay, self.max_delay, self.stable = first_delay, max_delay, stable
        self.stopping = False
        self.exit_code = 0

    def _start(self, child: Child) -> None:
        env = {**os.environ, **child.env}
        child.proc = subprocess.Popen(child.argv, env=env)
        child.started_at = time.monotonic()
        log.info(
            "started %s (pid %s)%s",
            child.name,
            child.proc.pid,
            f" restart #{child.restarts}" * bool(child.restarts),
        )

    def start(self) -> None:
        for child in self.children:
            child.delay = self.first_delay
            self._start(child)

    def poll(self) -> bool:
        """One supervision step; False once a primary child has exited (the supervisor should stop)."""
        now = time.monotonic()
        for child in self.children:
            if child.proc is not None:
                code = child.proc.poll()
                if code is None:
                    if now - child.started_at >= self.stable:
                        child.delay = self.first_delay
                    continue
                child.proc = None
                if child.primary:
                    log.warning("%s exited with code %s; stopping", child.name, code)
                    self.exit_code = code
                    return False
                if now - child.started_at >= self.stable:
                    child.delay = self.first_delay
                child.next_start = now + child.delay
                log.error(
                    "%s exited with code %s (%s); restarting in %.1fs",
                    child.name,
                    code,
                    _describe(code),
                    child.delay,
                )
                child.delay = min(self.max_delay, child.delay * 2)
            elif not self.stopping and now >= child.next_start:
                child.restarts += 1
                self._start(child)
        return True

    def run(self, tick: float = 0.25) -> int:
        self.start()
        while not self.stopping and self.poll():
            time.sleep(tick)
        self.stop()
        return self.exit_code

    def request_stop(self, *_args) -> None:
        self.stopping = True

    def stop(self, timeout: float = 15.0) -> None:
        self.stopping = True
        running = [(c, c.proc) for c in self.children if c.proc is not None and c.proc.poll() is None]
        for _child, proc in running:
            proc.terminate()
        deadline = time.monotonic() + timeout
        for child, proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", child.name)
                proc.kill()
                proc.wait()


def _describe(code: int) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return "normal exit" if code == 0 else "error"
