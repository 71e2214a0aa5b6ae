"""The documents in docs/ that code keeps honest: RULES.md is generated from the rule table and must be
current; ADD_AN_APP.md's skeleton holds for every app (its Exceptions table is the allowlist, and a stale
exception fails too); every app with pages or an API is in the access matrix; the README links the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from grassroots.standards import rules_doc

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "grassroots"
DOCS = ROOT / "docs"
SKELETON = ["apps.py", "models.py", "services.py", "urls.py", "api.py", "migrations", "demo.py"]


def apps() -> list[str]:
    return sorted(p.parent.name for p in SRC.glob("*/apps.py"))


def exceptions() -> dict[str, set[str]]:
    text = (DOCS / "ADD_AN_APP.md").read_text(encoding="utf-8")
    section = text.split("## Exceptions", 1)[1]
    out = {}
    for app, without in re.findall(r"^\| (\w+) \| ([\w., ]+) \| .+\|$", section, flags=re.M):
        if app != "app":
            out[app] = {w.strip() for w in without.split(",")}
    return out


def test_rules_doc_is_current():
    assert (DOCS / "RULES.md").read_text(encoding="utf-8") == rules_doc.render(), (
        "docs/RULES.md is stale: run `grassroots rules_doc`"
    )


def test_rules_doc_check_command_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "RULES.md"
    stale.write_text("old\n", encoding="utf-8")
    with pytest.raises(CommandError, match="stale"):
        call_command("rules_doc", "--check", "--output", str(stale))
    call_command("rules_doc", "--output", str(stale))
    call_command("rules_doc", "--check", "--output", str(stale))
    assert "ORG-1" in stale.read_text(encoding="utf-8")


def test_the_checklist_names_every_skeleton_file():
    text = (DOCS / "ADD_AN_APP.md").read_text(encoding="utf-8")
    for name in SKELETON:
        assert f"`{name}" in text, name


def test_every_app_has_the_skeleton_or_a_documented_exception():
    allowed = exceptions()
    assert allowed, "the Exceptions table of docs/ADD_AN_APP.md was not found"
    problems = []
    for app in apps():
        missing = {name for name in SKELETON if not (SRC / app / name).exists()}
        if missing != allowed.get(app, set()):
            problems.append(f"{app}: missing {sorted(missing)}, documented {sorted(allowed.get(app, set()))}")
    assert not problems, "update the app or docs/ADD_AN_APP.md:\n" + "\n".join(problems)
    assert set(allowed) <= set(apps()), f"exceptions for apps that do not exist: {set(allowed) - set(apps())}"


def test_every_app_is_installed_and_in_the_access_matrix():
    installed = {a for a in settings.INSTALLED_APPS if a.startswith("grassroots.")}
    for app in apps():
        assert f"grassroots.{app}" in installed, app
        has_endpoints = (SRC / app / "urls.py").exists() or (SRC / app / "api.py").exists()
        if not has_endpoints:
            continue
        matrix = ROOT / "tests" / ("access" if app == "core" else app) / "endpoints.py"
        assert matrix.exists(), f"{app} has pages or an API but no {matrix.relative_to(ROOT)}"
        assert "ENDPOINTS" in matrix.read_text(encoding="utf-8"), matrix


def test_readme_links_the_docs_and_the_docs_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("ARCHITECTURE.md", "GLOSSARY.md", "RULES.md", "ADD_AN_APP.md", "MAINTAINING.md"):
        assert (DOCS / name).exists(), name
        assert f"docs/{name}" in readme, f"README does not link docs/{name}"
    assert not (DOCS / "HELPERS.md").exists()
