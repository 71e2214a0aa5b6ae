"""`grassroots backup PATH`: a consistent copy of the database (SECURITY.md: local backup).

SQLite: the online backup API (safe while the server runs). PostgreSQL: pg_dump in custom format.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.accounts import backup


class Command(BaseCommand):
    help = "备份数据库到指定文件（SQLite 在线备份；PostgreSQL 使用 pg_dump）"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **opts):
        try:
            size = backup.backup(Path(opts["path"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已备份到 {opts['path']}（{size} 字节）")
