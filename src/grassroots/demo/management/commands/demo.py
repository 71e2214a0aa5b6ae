"""`grassroots demo --preset small --seed 1 [--if-empty]`: the deterministic synthetic demo city."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from grassroots.demo.context import DemoContext
from grassroots.demo.generator import generate, summary_counts
from grassroots.demo.presets import PRESETS, get_preset
from grassroots.regions.models import Region


class Command(BaseCommand):
    help = "生成演示城市数据（同一预设与随机种子得到相同的数据）"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=list(PRESETS), default="small", help="规模预设")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--if-empty", action="store_true", help="已有行政区划数据时不做任何事")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, preset, seed, if_empty, no_progress, **options):
        console = Console(file=self.stdout, highlight=False)
        if Region.objects.exists():
            if if_empty:
                console.print("数据库中已有行政区划数据，跳过演示数据生成。")
                return
            raise CommandError(
                "数据库中已有行政区划数据，不能再生成演示城市。请使用空数据库，或加 --if-empty 跳过。"
            )
        ctx = DemoContext(preset=preset, seed=seed, scale=get_preset(preset), show_progress=not no_progress)
        console.print(f"正在生成演示数据：预设 {preset}，随机种子 {seed}")
        if ctx.show_progress:
            columns = [
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ]
            with Progress(*columns, console=console, transient=False) as bar:
                ctx._progress_bar = bar
                result = generate(ctx)
            ctx._progress_bar = None
        else:
            result = generate(ctx)
        table = Table(title=f"演示数据（预设 {preset}，种子 {seed}）")
        table.add_column("模块")
        table.add_column("数据")
        table.add_column("条数", justify="right")
        for app, model, n in summary_counts(result["steps"]):
            table.add_row(app, model, f"{n:,}")
        console.print(table)
        console.print(
            f"核心数据用时 {result['core_seconds']:.1f} 秒，"
            f"合计用时 {result['total_seconds']:.1f} 秒"
            + (
                "；各模块演示步骤用时："
                + "、".join(f"{n} {result.get('step_seconds', {}).get(n, 0):.1f} 秒" for n in result["steps"])
                if result["steps"]
                else ""
            )
        )
