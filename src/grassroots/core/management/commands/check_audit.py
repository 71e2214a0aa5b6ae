"""`grassroots check_audit`: verify that the database protects the audit log (exit 1 if not)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from grassroots.core.audit_guard import inspect


class Command(BaseCommand):
    help = "检查审计表的数据库保护（防修改、删除、清空的触发器）是否就位"

    def handle(self, *args, **opts):
        report = inspect()
        for line in report.ok:
            self.stdout.write(f"✓ {line}")
        for line in report.warnings:
            self.stdout.write(f"! {line}")
        if not report.passed:
            for line in report.problems:
                self.stderr.write(f"✗ {line}")
            raise CommandError("审计表保护不完整：请执行 grassroots migrate 或由数据库管理员恢复触发器")
        self.stdout.write("审计表保护检查通过")
