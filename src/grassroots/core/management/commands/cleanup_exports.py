"""`grassroots cleanup_exports [--days N]`: delete background export files and jobs older than N days."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from grassroots.core.exports import EXPORT_KEEP_DAYS, purge_expired


class Command(BaseCommand):
    help = "删除过期的后台导出文件（默认保留 7 天）"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=EXPORT_KEEP_DAYS)

    def handle(self, days, **options):
        n = purge_expired(days=max(days, 0))
        self.stdout.write(f"已删除 {n} 个过期导出任务")
