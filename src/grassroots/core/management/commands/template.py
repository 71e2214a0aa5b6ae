"""`grassroots template KIND FILE`: the import template (header, example, dropdowns, 填写说明)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from grassroots.core import import_jobs, importing


class Command(BaseCommand):
    help = "生成导入模板"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(importing.KINDS))
        parser.add_argument("file")

    def handle(self, kind, file, **options):
        imp = importing.importer_for(kind)
        Path(file).write_bytes(import_jobs.template_bytes(imp))
        self.stdout.write(f"已生成{imp.title}导入模板：{file}")
