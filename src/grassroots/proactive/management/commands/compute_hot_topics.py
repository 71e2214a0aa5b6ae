"""`grassroots compute_hot_topics`: recompute the hot topics now (what the nightly job does)."""

from django.core.management.base import BaseCommand, CommandError

from grassroots.core.errors import Conflict


class Command(BaseCommand):
    help = "重新计算热点问题（按类别、地点和文本聚类诉求）并测算主动治理任务的效果"

    def handle(self, *args, **options):
        from grassroots.proactive.clustering import execute_run
        from grassroots.proactive.services import refresh_effects, start_run

        try:
            run = start_run(None, trigger="command", enqueue=False)
        except Conflict as exc:
            raise CommandError(exc.message) from None
        run = execute_run(run.pk)
        n = refresh_effects()
        self.stdout.write(
            f"热点 {run.topics} 个（{run.period_start} 至 {run.period_end}，诉求 {run.cases} 件）；"
            f"更新效果 {n} 项"
        )
