from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send reminders of upcoming joint-meeting sessions (run from cron, e.g. hourly)."

    def handle(self, *args, **options):
        from grassroots.cobuild.services import send_reminders

        n = send_reminders()
        self.stdout.write(f"reminded {n} session(s)")
