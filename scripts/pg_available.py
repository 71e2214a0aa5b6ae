"""Exit 0 when a PostgreSQL server answers at the given URL (used by `make test-pg`)."""

import sys

import psycopg

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/"
try:
    psycopg.connect(url.rstrip("/") + "/postgres", connect_timeout=3).close()
except Exception as exc:  # any failure means "not reachable" for the purpose of skipping
    reason = " ".join(str(exc).split())[:160]  # one line: the Makefile puts it in its SKIPPED line
    print(f"{exc.__class__.__name__}: {reason}")
    sys.exit(1)
