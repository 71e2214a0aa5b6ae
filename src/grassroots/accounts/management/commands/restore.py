"""`grassroots restore PATH`: replace the database with a backup made by `grassroots backup`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.accounts import backup


class Command(BaseCommand):
    help = "从备份文件恢复数据库（会覆盖当前数据，请先停止服务）"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="不再确认")

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        if not opts["yes"] and opts.get("interactive", True):
            answer = input(f"将用 {path} 覆盖当前数据库，确认请输入 yes：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消")
        try:
            backup.restore(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {path} 恢复")
