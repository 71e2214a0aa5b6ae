"""`grassroots import KIND FILE [--dry-run] [--user USERNAME]`: import an xlsx from the console."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.core import importing
from grassroots.core.importing import ImportFailed

load_user = importing.user_by_name


class Command(BaseCommand):
    help = "从 Excel 导入数据（先校验；任何一行有错误则不写入任何数据）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(importing.KINDS), help="导入类型")
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--user", help="以该用户的权限和管辖范围导入（默认：系统，不限范围）")

    def handle(self, kind, file, dry_run=False, user=None, **options):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        from rich.table import Table

        console = Console(file=self.stdout._out, force_terminal=None)  # type: ignore[arg-type]  # a stream
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{file}")
        imp = importing.importer_for(kind, load_user(user))
        if not imp.allowed():
            raise CommandError("该用户没有执行此导入的权限")
        labels = {"read": "读取", "check": "校验", "write": "写入"}
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            tasks = {}

            def progress(phase, done, total):
                if phase not in tasks:
                    tasks[phase] = bar.add_task(labels.get(phase, phase), total=total or None)
                bar.update(tasks[phase], completed=done, total=total or None)

            try:
                if dry_run:
                    plan = imp.plan(path, progress)
                else:
                    plan = imp.commit(path, progress, file_digest=importing.file_sha256(path))
            except ImportFailed as exc:
                errors, plan = exc.errors, None
            else:
                errors = plan.errors if plan is not None else []
        if errors or plan is None:
            table = Table(title=f"发现 {len(errors)} 处错误，未写入任何数据", show_lines=False)
            for head in ("行", "列", "列名", "填写的值", "错误说明"):
                table.add_column(head, overflow="fold")
            for e in errors:
                table.add_row(str(e.row), e.col or "—", e.header, e.value, e.message)
            console.print(table)
            raise CommandError(f"导入失败：{len(errors)} 处错误")
        c = plan.counts()
        verb = "校验通过（未写入）" if dry_run else "导入完成"
        console.print(
            f"{verb}：共 {c['total']} 行，新增 {c['create']}，修改 {c['update']}，未变 {c['unchanged']}"
        )
