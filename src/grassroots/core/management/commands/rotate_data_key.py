"""`grassroots rotate_data_key [--new] [--batch N]`: re-encrypt all personal data with the current key.

Usual flow: `grassroots rotate_data_key --new` (keys in var: a new var/data_key, the previous one
moves to var/data_keys_old), restart every server and worker, then run `grassroots rotate_data_key`
once more to pick up rows written meanwhile. With GRASSROOTS_DATA_KEY in the environment: set the new
key there, append the previous one to GRASSROOTS_DATA_KEYS_OLD, restart, run this command.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grassroots.core import crypto, keys


class Command(BaseCommand):
    help = "用当前数据密钥重新加密全部个人信息（身份证号、手机号等），分批进行"

    def add_arguments(self, parser):
        parser.add_argument("--new", action="store_true", help="先生成新的数据密钥（密钥保存在 var 目录时）")
        parser.add_argument("--batch", type=int, default=500, help="每批行数（默认 500）")

    def handle(self, *args, **opts):
        if opts["new"]:
            try:
                fp = keys.new_data_key()
            except ValueError as exc:
                raise CommandError(
                    "数据密钥由环境变量 GRASSROOTS_DATA_KEY 提供：请在环境中设置新密钥，并把旧密钥加入 "
                    "GRASSROOTS_DATA_KEYS_OLD 后重启，再运行本命令（不带 --new）"
                ) from exc
            self.stdout.write(f"已生成新的数据密钥（指纹 {fp}），旧密钥已移入 data_keys_old。")
        result = keys.rotate(batch_size=max(1, opts["batch"]))
        self.stdout.write(
            f"当前数据密钥指纹 {crypto.fingerprint(settings.DATA_KEY)}；"
            f"重新加密 {result.rotated} 项，已是新密钥 {result.current} 项，无法解密 {result.unreadable} 项。"
        )
        if opts["new"]:
            self.stdout.write("请立即重启所有服务和后台任务进程，然后再运行一次本命令（不带 --new）。")
        if result.unreadable:
            raise CommandError(
                f"{result.unreadable} 项数据无法用任何密钥解密（详见日志），已原样保留；"
                "请找回对应的旧密钥后重试。"
            )
        if settings.DATA_KEYS_OLD and not opts["new"]:
            self.stdout.write(
                "所有数据已使用当前密钥加密。确认各服务均已重启后，可从 data_keys_old 或 "
                "GRASSROOTS_DATA_KEYS_OLD 中移除旧密钥（早于本次的备份仍需要它们才能读取）。"
            )
