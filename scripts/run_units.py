"""Start the systemd unit set of deploy/systemd on a machine where systemd is not running (a container,
a developer laptop): the same ExecStartPre/ExecStart lines, environment file and Restart=always, with
/opt/grassroots mapped to this checkout. Where systemd runs, install the units instead (docs/DEPLOY.md).

    .venv/bin/python scripts/run_units.py --env deploy/local.env --web 8102,18102 --workers 2
"""

from __future__ import annotations

import argparse
import configparser
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser["Service"]


def env_file(path: Path) -> dict:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def command(line: str, instance: str) -> list[str]:
    return [
        part.replace("%i", instance).replace("/opt/grassroots", str(ROOT))
        for part in shlex.split(line.lstrip("-"))
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True, type=Path)
    ap.add_argument("--web", default="8001,8002", help="ports of the web nodes")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    env = {**os.environ, **env_file(args.env)}
    plan = [("grassroots-web@.service", p) for p in args.web.split(",") if p]
    plan += [("grassroots-worker@.service", str(i + 1)) for i in range(args.workers)]
    plan += [("grassroots-scheduler.service", "")]
    running: dict[tuple, subprocess.Popen] = {}

    def start(name, inst):
        svc = unit(name)
        if pre := svc.get("ExecStartPre"):
            subprocess.run(command(pre, inst), env=env, cwd=ROOT, check=True)
        proc = subprocess.Popen(command(svc["ExecStart"], inst), env=env, cwd=ROOT)
        print(f"started {name.replace('@', '@' + inst)} pid {proc.pid}", flush=True)
        return proc

    for name, inst in plan:
        running[(name, inst)] = start(name, inst)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        for key, proc in list(running.items()):
            if proc.poll() is not None and not stopping:  # Restart=always
                print(f"{key[0]} {key[1]} exited with {proc.returncode}; restarting", flush=True)
                time.sleep(float(unit(key[0]).get("RestartSec", "3")))
                running[key] = start(*key)
        time.sleep(1)
    for proc in running.values():
        proc.terminate()
    for proc in running.values():
        proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
