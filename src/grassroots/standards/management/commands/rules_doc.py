from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grassroots.standards import rules_doc


class Command(BaseCommand):
    help = "Write docs/RULES.md from the default rule table (--check: fail if the committed file is stale)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only compare, write nothing")
        parser.add_argument("--output", default=str(rules_doc.DOC_PATH), help="where to write")

    def handle(self, *args, check=False, output="", **options):
        path = Path(output)
        text = rules_doc.render()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if check:
            if current != text:
                raise CommandError(f"{path} is stale: run `grassroots rules_doc`")
            self.stdout.write(f"{path} is current")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
