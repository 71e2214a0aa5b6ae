"""`grassroots token U [--name N] [--expires-days D]`, `--list`, `--revoke PREFIX` (audited)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from grassroots.accounts import services
from grassroots.accounts.models import ApiToken, User
from grassroots.core.errors import ServiceError


class Command(BaseCommand):
    help = "生成、列出或吊销用户的 API 令牌（令牌只显示一次，库中只存哈希）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="令牌名称")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="有效天数（默认见 API_TOKEN_DEFAULT_DAYS，90 天）"
        )
        parser.add_argument("--list", action="store_true", help="列出该用户的令牌")
        parser.add_argument("--revoke", metavar="PREFIX", default=None, help="吊销指定前缀的令牌")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"用户“{opts['username']}”不存在")
        if opts["list"]:
            tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
            if not tokens:
                self.stdout.write("该用户没有令牌")
            for t in tokens:
                state = "有效" if t.is_active else ("已吊销" if t.revoked_at else "已过期")
                expires = timezone.localtime(t.expires_at).strftime("%Y-%m-%d") if t.expires_at else "永久"
                used = (
                    timezone.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M")
                    if t.last_used_at
                    else "未使用"
                )
                self.stdout.write(f"{t.prefix}  {state}  到期 {expires}  最近使用 {used}  {t.name}")
            return
        try:
            with services.console_context():
                if opts["revoke"] is not None:
                    services.revoke_token(None, user, opts["revoke"])
                    self.stdout.write(f"已吊销令牌 {opts['revoke']}…")
                    return
                token, raw = services.issue_token(None, user, opts["name"], opts["expires_days"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
        # On stderr, so that scripts reading the token from stdout keep working.
        self.stderr.write(
            f"令牌有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}，到期后请重新生成"
        )
