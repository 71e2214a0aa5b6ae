"""Demo step "dashboards" (last in DEMO_STEPS): compute the leader dashboards' rollups once every
other step has written its data, so the demo city opens with figures (then nightly / on demand)."""

from __future__ import annotations

from .models import RollupRun
from .rollups import compute_rollups


def generate(ctx) -> None:
    with ctx.progress("驾驶舱统计汇总", 1) as bar:
        run = RollupRun.objects.create(trigger="demo")
        compute_rollups(run)
        bar.advance(1)
