"""`grassroots export KIND FILE [--region CODE] [--user USERNAME]`: the template's columns, re-importable."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.core import audit, import_jobs, importing
from grassroots.core.models import AuditAction

load_user = importing.user_by_name


class Command(BaseCommand):
    help = "导出数据为 Excel（列与导入模板相同，可修改后再导入）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(importing.KINDS))
        parser.add_argument("file")
        parser.add_argument("--region", help="只导出该区划（编码）及其下级")
        parser.add_argument("--user", help="按该用户的管辖范围导出；个人信息按其权限打码（默认：系统，明文）")

    def handle(self, kind, file, region=None, user=None, **options):
        from grassroots.core import hooks

        Region = hooks.required("region_model")  # noqa: N806
        u = load_user(user)
        imp = importing.importer_for(kind, u)
        node = None
        if region:
            qs = Region.objects.all() if u is None else Region.objects.visible_to(u)
            node = qs.filter(code=region).first()
            if node is None:
                raise CommandError(f"区划 {region} 不存在或不在管辖范围内")
        content, count = import_jobs.export_bytes(imp, node)
        Path(file).write_bytes(content)
        audit.record(
            AuditAction.EXPORT,
            None,
            user=u,
            model_label=imp.model._meta.label_lower,
            object_repr=f"导出{imp.title} {count} 条",
            changes={"filters": [None, {"region": region or ""}], "rows": [None, count]},
        )
        self.stdout.write(f"已导出{imp.title} {count} 条：{file}")
