"""`grassroots rollup`: recompute the dashboard rollups now. The nightly run needs no command: the
scheduler started by `grassroots serve` queues it at 03:00 (dashboards/apps.py)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "重新计算工作台统计汇总（每晚 3 点由后台调度自动计算）"

    def handle(self, *args, **options):
        from grassroots.dashboards.models import RollupRun
        from grassroots.dashboards.rollups import run_now

        run = RollupRun.objects.create(trigger="command")
        written = run_now(run)
        self.stdout.write(f"统计汇总完成：写入 {written} 条。")
