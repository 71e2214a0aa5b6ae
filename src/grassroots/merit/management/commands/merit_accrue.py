from django.core.management.base import BaseCommand
from django.utils import timezone

from grassroots.merit.services import accrue_points


class Command(BaseCommand):
    help = "Add the missing member points entries of a year (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        added = accrue_points(year)
        self.stdout.write(f"{year}: {added} entries added")
