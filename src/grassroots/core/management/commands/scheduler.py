import time

from django.core.management.base import BaseCommand

from grassroots.core import schedule


class Command(BaseCommand):
    help = "Enqueue periodic background jobs when they are due (started by `grassroots serve`)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument("--interval", type=int, default=30, help="seconds between ticks")

    def handle(self, *args, once=False, interval=30, **options):
        while True:
            started = schedule.tick()
            for name in started:
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)
