"""What makes the audit table trustworthy in the database itself, checked by `grassroots check_audit`.

PostgreSQL: the row trigger core_auditevent_append_only (UPDATE, DELETE) and the statement trigger
core_auditevent_no_truncate (TRUNCATE) must exist and be enabled; the role the application connects
as should be neither a superuser nor the owner of the audit table (an owner or a superuser can drop or
disable the triggers; docs/DEPLOY.md creates such a role). SQLite: the UPDATE trigger must exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

TABLE = "core_auditevent"
PG_TRIGGERS = {
    "core_auditevent_append_only": "拒绝修改和删除审计记录",
    "core_auditevent_no_truncate": "拒绝清空（TRUNCATE）审计表",
}
SQLITE_TRIGGERS = {"core_auditevent_no_update": "拒绝修改审计记录"}


@dataclass
class AuditGuardReport:
    vendor: str
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def inspect() -> AuditGuardReport:
    report = AuditGuardReport(vendor=connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE c.relname = %s AND c.relnamespace = to_regnamespace(current_schema())::oid"
                " AND NOT t.tgisinternal",
                [TABLE],
            )
            found = dict(cursor.fetchall())
            for name, label in PG_TRIGGERS.items():
                if name not in found:
                    report.problems.append(f"缺少触发器 {name}（{label}）")
                elif found[name] == "D":
                    report.problems.append(f"触发器 {name} 已被停用（{label}）")
                else:
                    report.ok.append(f"触发器 {name} 已启用（{label}）")
            cursor.execute(
                "SELECT r.rolsuper, pg_get_userbyid(c.relowner) = current_user FROM pg_roles r, pg_class c"
                " WHERE r.rolname = current_user AND c.relname = %s"
                " AND c.relnamespace = to_regnamespace(current_schema())::oid",
                [TABLE],
            )
            row = cursor.fetchone()
            if row and row[0]:
                report.warnings.append("当前数据库角色是超级用户，可停用触发器；生产环境应使用应用专用角色")
            elif row and row[1]:
                report.warnings.append(
                    "当前数据库角色是审计表的所有者，可删除触发器；生产环境应使用应用专用角色"
                )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            names = {r[0] for r in cursor.fetchall()}
            for name, label in SQLITE_TRIGGERS.items():
                if name in names:
                    report.ok.append(f"触发器 {name} 已启用（{label}）")
                else:
                    report.problems.append(f"缺少触发器 {name}（{label}）")
            report.warnings.append(
                "SQLite 不支持数据库角色，审计表防删除依赖文件权限；生产环境建议使用 PostgreSQL"
            )
        else:
            report.problems.append(f"不支持的数据库类型：{connection.vendor}")
    return report
