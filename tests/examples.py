"""How many generated examples a property test runs: `examples(n)` is n scaled by
GRASSROOTS_TEST_EXAMPLES (default 1).

The Makefile's PostgreSQL pass runs the whole suite again at 0.4: that pass is there for what the
database changes (locking, constraints, types, partitions), which the first examples of each property
already exercise; the SQLite pass explores the full count. Every property still runs on both."""

import os

SCALE = float(os.environ.get("GRASSROOTS_TEST_EXAMPLES", "1") or 1)


def examples(n: int) -> int:
    return max(1, round(n * SCALE))
