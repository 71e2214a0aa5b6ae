from django.core.management.base import BaseCommand

from grassroots.core.errors import Conflict


class Command(BaseCommand):
    help = "Queue the nightly branch health check (run from cron, e.g. daily at 02:00); --now runs it here."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run in this process instead of the worker")

    def handle(self, *args, now=False, **options):
        from grassroots.standards.health import execute_run, start_run

        try:
            run = start_run(None, trigger="nightly", enqueue=not now)
        except Conflict as exc:
            self.stderr.write(exc.message)
            return
        if now:
            run = execute_run(run.pk)
            self.stdout.write(f"体检完成：{run.total} 个支部，红 {run.red} 黄 {run.yellow} 绿 {run.green}")
        else:
            self.stdout.write(f"已排队体检 #{run.pk}")
