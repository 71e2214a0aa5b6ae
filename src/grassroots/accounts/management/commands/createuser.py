"""`grassroots createuser --username U --role R --scope CODE [--password P]` (audited)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from grassroots.accounts import services
from grassroots.core.errors import ServiceError


class Command(BaseCommand):
    help = "创建用户并授予角色（管辖范围为行政区划编码或党组织编码）"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--role", required=True, help="角色代码，如 community_admin")
        parser.add_argument("--scope", default="", help="行政区划编码或党组织编码（居民、党员角色可省略）")
        parser.add_argument("--password", default="", help="密码；省略则生成随机密码并显示一次")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, *args, **opts):
        from grassroots.accounts.permissions import BUILTIN_ROLES

        try:
            with services.console_context():
                kind = BUILTIN_ROLES.get(opts["role"], ("", [], "region"))[2]
                if opts["scope"]:
                    node = services.find_scope_node(opts["scope"])
                elif kind == "own":
                    node = None  # residents and party members: their own records only
                else:
                    raise ServiceError("请用 --scope 指定管辖范围（行政区划编码或党组织编码）")
                user, generated = services.create_user(
                    None,
                    opts["username"],
                    password=opts["password"] or None,
                    display_name=opts["name"],
                    role_code=opts["role"],
                    node=node,
                )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        scope = f"{node.name}（{node.code}）" if node is not None else "本人信息"
        self.stdout.write(f"已创建用户 {user.username}，角色 {opts['role']}，管辖范围 {scope}")
        if generated:
            self.stdout.write(f"初始密码（只显示这一次）：{generated}")
