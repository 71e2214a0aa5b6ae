"""`grassroots audit archive --before DATE [--output PATH]`: export old audit records to xlsx.

The application never deletes audit records (on PostgreSQL a trigger refuses UPDATE and DELETE).
Records younger than settings.AUDIT_RETENTION_DAYS (≥ 180 days) can't be archived at all. Removing
archived rows from the live table is a DBA task; see docs/security.md ("Archiving the audit log").
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.audit_views import AUDIT_COLUMNS
from grassroots.core.context import RequestContext, new_request_id, use_context
from grassroots.core.excel import workbook_bytes
from grassroots.core.models import AuditAction, AuditEvent


class Command(BaseCommand):
    help = "审计日志归档：将指定日期之前的审计记录导出为 Excel（不删除任何记录）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        archive = sub.add_parser("archive", help="导出指定日期之前的审计记录")
        archive.add_argument("--before", required=True, help="日期 YYYY-MM-DD（不含当天）")
        archive.add_argument("--output", default="", help="输出文件，默认 var/audit-archive-<日期>.xlsx")

    def handle(self, *args, **opts):
        try:
            before = datetime.date.fromisoformat(opts["before"])
        except ValueError as exc:
            raise CommandError(f"日期“{opts['before']}”格式不正确，应为 YYYY-MM-DD") from exc
        tz = timezone.get_current_timezone()
        cutoff = datetime.datetime.combine(before, datetime.time.min, tzinfo=tz)
        limit = timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
        if cutoff > limit:
            raise CommandError(
                f"只能归档 {settings.AUDIT_RETENTION_DAYS} 天以前的审计记录"
                f"（最晚可指定 {timezone.localtime(limit).date().isoformat()}）"
            )
        path = Path(opts["output"] or settings.VAR_DIR / f"audit-archive-{before.isoformat()}.xlsx")
        if not path.parent.exists():
            raise CommandError(f"目录不存在：{path.parent}")
        rows = AuditEvent.objects.filter(at__lt=cutoff).order_by("at", "id")
        content, count, _plain = workbook_bytes("审计日志归档", AUDIT_COLUMNS, rows.iterator(chunk_size=2000))
        path.write_bytes(content)
        with use_context(RequestContext(request_id=new_request_id(), source="cli")):
            audit.record(
                AuditAction.EXPORT,
                None,
                model_label="core.auditevent",
                object_repr=f"归档审计日志 {count} 条（{before.isoformat()} 之前）",
                changes={
                    "before": [None, before.isoformat()],
                    "rows": [None, count],
                    "file": [None, path.name],
                },
            )
        self.stdout.write(f"已导出 {count} 条审计记录到 {path}（未删除任何记录）")
