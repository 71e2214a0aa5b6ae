"""`grassroots whistle_reminders [--every MINUTES] [--now]`: send the due check-in reminders now, or
start the self-renewing reminder job on the task worker (default every 10 minutes)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "吹哨报到：发送报到提醒（--now 立即发送；否则在后台任务中每隔若干分钟自动发送）"

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=10, help="间隔分钟数")
        parser.add_argument("--now", action="store_true", help="立即发送一次")

    def handle(self, *args, every=10, now=False, **options):
        from grassroots.whistle.services import send_reminders
        from grassroots.whistle.tasks import remind_checkins

        if now:
            self.stdout.write(f"已提醒 {send_reminders()} 个部门。")
            return
        remind_checkins.enqueue(max(1, every))
        self.stdout.write(f"已启动报到提醒，每 {max(1, every)} 分钟检查一次。")
