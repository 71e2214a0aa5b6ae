"""`grassroots bench NAME [options]`: run a benchmark scenario from grassroots.bench."""

from __future__ import annotations

import importlib
import pkgutil

from django.core.management.base import BaseCommand, CommandError

import grassroots.bench as bench_pkg

# Scenario names that are Python keywords live in modules with another name.
ALIASES = {"import": "import_members"}


def scenarios() -> list[str]:
    modules = {m.name for m in pkgutil.iter_modules(bench_pkg.__path__) if not m.name.startswith("_")}
    shown = {alias for alias, module in ALIASES.items() if module in modules}
    return sorted((modules - set(ALIASES.values())) | shown)


class Command(BaseCommand):
    help = "运行性能基准（与同一次运行中测得的基线对比）"

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="场景名：" + "、".join(scenarios()) + "，或 all")
        parser.add_argument("rest", nargs="*", help="场景参数，如 --rows 100000")

    def run_from_argv(self, argv):
        # Pass everything after the scenario name to the scenario's own parser.
        if len(argv) > 2 and argv[2] not in ("-h", "--help"):
            name, rest = argv[2], argv[3:]
            return self.run_scenario(name, rest)
        return super().run_from_argv(argv)

    def run_scenario(self, name: str, rest: list[str]):
        import argparse

        import django

        django.setup()
        names = scenarios() if name == "all" else [name]
        for n in names:
            if n not in scenarios():
                raise CommandError(f"未知基准场景：{n}（可选：{'、'.join(scenarios())}）")
            mod = importlib.import_module(f"grassroots.bench.{ALIASES.get(n, n)}")
            parser = argparse.ArgumentParser(prog=f"grassroots bench {n}")
            if hasattr(mod, "add_arguments"):
                mod.add_arguments(parser)
            opts = vars(parser.parse_args(rest if name != "all" else []))
            self.stdout.write(f"== bench {n} ==")
            mod.run(self.stdout, **opts)

    def handle(self, *args, **options):
        self.run_scenario(options["scenario"], options["rest"])
