"""The rule layer every app reads rules through (rules are data: one Rule row per code, RULES.md).

Features must not import the standards app (it sits above them: its health check, indicators and pages
read every feature). They read rule rows and contribute checks through this module instead:

- `Rule.objects...` works like the model: `Rule` here is a reference to the rule model the standards
  app provides from its AppConfig.ready() (`provide(model=..., checker=...)`).
- `register_check(code, fn)` contributes the check of a rule code (`fn(checker, rule) -> Iterator[Finding]`);
  the standards engine runs every registered check.
- `checker(user, within=..., rules=[...])` builds the engine for a page that shows the findings of a
  few rules (e.g. GOV-10 on the community worker page).
- `Severity`, `Finding`, `RuleParamError`, `int_param`, `month_start`: the shared vocabulary of checks.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

_PROVIDED: dict = {}


def provide(*, model, checker) -> None:
    """Called once by the app that owns the rule table (standards)."""
    _PROVIDED["model"] = model
    _PROVIDED["checker"] = checker


def rule_model():
    try:
        return _PROVIDED["model"]
    except KeyError:
        raise RuntimeError("no rule model provided: is the standards app installed?") from None


class _RuleReference:
    """Stands for the rule model in code that only reads it (`Rule.objects.filter(...)`)."""

    @property
    def objects(self):
        return rule_model()._default_manager

    @property
    def DoesNotExist(self):  # noqa: N802 (mirrors the model attribute)
        return rule_model().DoesNotExist

    def __call__(self, *args, **kwargs):
        return rule_model()(*args, **kwargs)


Rule = _RuleReference()


def checker(user, **kwargs):
    """The rules engine over the user's scope (see standards.checks.Checker for the arguments)."""
    return _PROVIDED["checker"](user, **kwargs)


class Severity:
    VIOLATION = "violation"
    WARNING = "warning"
    SUGGESTION = "suggestion"
    choices = [(VIOLATION, "违规"), (WARNING, "预警"), (SUGGESTION, "建议")]
    labels = dict(choices)
    order = {VIOLATION: 0, WARNING: 1, SUGGESTION: 2}
    badge = {VIOLATION: "bg-red-lt", WARNING: "bg-orange-lt", SUGGESTION: "bg-azure-lt"}


# object type -> (label, model label, url name of the detail page taking Finding.key); apps add theirs
# with OBJECT_TYPES.setdefault(...) from their AppConfig.ready().
OBJECT_TYPES = {
    "unit": ("驻区单位", "units.unit", "units:detail"),
    "org": ("党组织", "party.partyorg", "party:org_detail"),
    "member": ("党员", "party.member", "party:member_detail"),
}


# the member values a member finding is built from (Checker._member)
MEMBER_FIELDS = ("id", "name", "joined_on", "party_org__name", "party_org__region__path")


def object_url(object_type: str, key) -> str | None:
    try:
        return reverse(OBJECT_TYPES[object_type][2], args=[key])
    except (NoReverseMatch, KeyError):
        return None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    object_type: str  # unit / org / member / ... (OBJECT_TYPES)
    pk: int
    name: str
    region_path: str
    region_name: str
    message: str
    action: str
    key: str | int = ""  # the detail page's URL argument (an org's code; else the pk)

    @property
    def severity_label(self) -> str:
        return Severity.labels[self.severity]

    @property
    def severity_badge(self) -> str:
        return Severity.badge[self.severity]

    @property
    def object_label(self) -> str:
        return OBJECT_TYPES[self.object_type][0]

    @property
    def model(self) -> str:
        return OBJECT_TYPES[self.object_type][1]

    @property
    def url(self) -> str | None:
        return object_url(self.object_type, self.key or self.pk)

    def sort_key(self):
        return (Severity.order[self.severity], self.rule, self.region_path, self.name, self.pk)


class RuleParamError(Exception):
    pass


def int_param(rule, name: str) -> int:
    value = (rule.params or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RuleParamError(f"{rule.code} 的参数 {name} 缺失或不是正整数")
    return value


def month_start(d: datetime.date, back: int = 0) -> datetime.date:
    """First day of the month `back` months before d's month."""
    index = d.year * 12 + d.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


# rule code -> check; the standards app registers the built-in ORG-*/COV-* checks, others theirs.
CHECKS: dict[str, Callable[..., Iterator[Finding]]] = {}


def register_check(code: str, check: Callable[..., Iterator[Finding]]) -> None:
    """Let an app contribute the check of a rule code (e.g. orglife's LIFE-* rules), from its
    AppConfig.ready(). The Rule row itself comes from rules_data.py."""
    CHECKS[code] = check
