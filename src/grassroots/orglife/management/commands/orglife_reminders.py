"""Send reminders for activities starting soon (run it from cron every 15 minutes, or enqueue the task)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "提醒即将开始的活动（每个活动只提醒一次）"

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="提前多少小时提醒（默认 24）")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行，而不是立即执行")

    def handle(self, *args, hours: int, enqueue: bool, **options):
        if hours < 1 or hours > 24 * 14:
            self.stderr.write("提前小时数应在 1 到 336 之间")
            raise SystemExit(2)
        if enqueue:
            from grassroots.orglife.tasks import send_activity_reminders

            result = send_activity_reminders.enqueue(hours=hours)
            self.stdout.write(f"已加入后台任务 {result.id}")
            return
        from grassroots.orglife.services import send_reminders

        n = send_reminders(hours=hours)
        self.stdout.write(f"已提醒 {n} 个活动")
