"""`grassroots backup PATH`: a consistent copy of the database (SECURITY.md: local backup), plus
PATH.keys.txt with the fingerprints of the keys the copy needs. Both files are readable by the owner only.

SQLite: the online backup API (safe while the server runs). PostgreSQL: pg_dump in custom format.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.accounts import backup


class Command(BaseCommand):
    help = "备份数据库到指定文件（SQLite 在线备份；PostgreSQL 使用 pg_dump），并记录所需密钥的指纹"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        try:
            size = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = backup.write_key_report(path)
        self.stdout.write(f"已备份到 {path}（{size} 字节），密钥指纹见 {backup.keys_path(path)}。")
        self.stdout.write(
            "请务必另行妥善保存以下密钥（备份文件中不含密钥；缺少数据密钥将无法读取个人信息）："
        )
        for r in rows:
            self.stdout.write(f"  {r['name']}：{r['where']}（指纹 {r['fingerprint']}）")
