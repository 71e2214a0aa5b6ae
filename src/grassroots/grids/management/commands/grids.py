"""`grassroots grids import FILE --user NAME` / `export --region CODE [--format geojson|xlsx]` /
`validate --region CODE` / `place`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.core.errors import ServiceError
from grassroots.grids import services
from grassroots.grids.models import Grid


class Command(BaseCommand):
    help = "网格导入、导出、校验与落位"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export", "validate", "place"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--user", help="以该用户的权限和范围执行（导入、校验必填）")
        parser.add_argument("--region", help="区划编码")
        parser.add_argument("--format", default="geojson", choices=["geojson", "xlsx"])
        parser.add_argument("--coord-system", default="wgs84", choices=["wgs84", "gcj02", "bd09"])
        parser.add_argument("--dry-run", action="store_true")

    def _user(self, name):
        from grassroots.accounts.models import User

        if not name:
            raise CommandError("请用 --user 指定执行导入或校验的用户")
        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"用户“{name}”不存在")
        return user

    def handle(self, *args, **o):
        try:
            getattr(self, f"do_{o['action']}")(o)
        except ServiceError as exc:
            for ref, msgs in (exc.errors or {}).items():
                self.stderr.write(f"{ref}：{'；'.join(msgs)}")
            raise CommandError(exc.message) from exc

    def do_import(self, o):
        if not o["file"]:
            raise CommandError("请提供要导入的文件")
        content = Path(o["file"]).read_bytes()
        if o["file"].lower().endswith(".xlsx"):
            rows = services.rows_from_excel(content, o["coord_system"])
        else:
            rows = services.rows_from_geojson(content, o["coord_system"])
        r = services.import_rows(
            self._user(o["user"]), rows, dry_run=o["dry_run"], source=Path(o["file"]).name
        )
        self.stdout.write(
            f"{'校验通过' if r.dry_run else '已导入'}：新增 {r.created} 个，更新 {r.updated} 个网格"
        )

    def _qs(self, o):
        from grassroots.regions.models import Region

        qs = Grid.objects.select_related("region").prefetch_related("layers").order_by("code")
        if o["region"]:
            node = Region.objects.filter(code=o["region"]).first()
            if node is None:
                raise CommandError(f"找不到区划 {o['region']}")
            qs = qs.filter(region__path__startswith=node.path)
        return qs

    def do_export(self, o):
        qs = self._qs(o)
        if o["format"] == "geojson":
            text = json.dumps(services.feature_collection(qs), ensure_ascii=False)
            if o["file"]:
                Path(o["file"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        from grassroots.core.excel import workbook_bytes

        if not o["file"]:
            raise CommandError("导出 Excel 需要提供输出文件名")
        content, n, _ = workbook_bytes("网格", services.export_columns(), qs.iterator(chunk_size=2000))
        Path(o["file"]).write_bytes(content)
        self.stdout.write(f"已导出 {n} 个网格到 {o['file']}")

    def do_validate(self, o):
        from grassroots.regions.models import Region

        node = Region.objects.filter(code=o["region"] or "").first()
        if node is None:
            raise CommandError("请用 --region 指定要校验的区划编码")
        problems = services.validate_region(self._user(o["user"]), node)
        for p in problems:
            self.stdout.write(f"[{p.kind}] {p.message}")
        self.stdout.write(f"共 {len(problems)} 个问题")

    def do_place(self, o):
        from grassroots.regions.models import Region

        node = Region.objects.filter(code=o["region"]).first() if o["region"] else None
        counts = services.place_in_grids(node)
        self.stdout.write(f"已更新 {counts['buildings']} 栋楼、{counts['units']} 个单位的所在网格")
