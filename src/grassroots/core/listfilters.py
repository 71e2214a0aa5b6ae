"""One declaration of a list's filters, used by its page, its API endpoint and its Excel export.

A list used to declare its filters three times: a FilterForm for the page, a `filters` dict plus
`filter_queryset` overrides for the page's query (which the export reuses), and a ninja Schema plus
hand-written `if filters.x:` lines in the API. They drifted: a filter added to the page was missing
from the API or the other way round. Now each list has one `ListFilters` subclass:

    class UnitFilters(ListFilters):
        q = Search("搜索", placeholder="名称或拼音首字母")
        type = Choice("单位类型", UnitType)
        covered = Flag("党组织覆盖", q=~Q(party_work=PartyWork.NONE), yes="已覆盖", no="未覆盖")
        region = Subtree("区域", "region")

- the page: `ScopedListView.list_filters = UnitFilters` (the filter form, the query, the empty state
  and the export all follow from it);
- the API: `def units_list(request, filters: Query[UnitFilters.schema()])` and
  `UnitFilters.from_request(request).apply(qs)`. The generated schema documents the parameters and
  types them (422 on a wrong type); the rows are filtered from the request's own parameters through
  the same declaration, so the page and the API cannot disagree.

Values are parsed once per filter (`parse`, raising `ValueError` with a Chinese message); a filter
naming something outside the user's scope (a region code they cannot see) yields no rows rather than
an error, as a 404 would tell them it exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

from django import forms
from django.db.models import Q, QuerySet

from .errors import ServiceError
from .text import name_search_q

_NO_ROWS = object()  # apply(): the filter names something the user cannot see


class ListFilter:
    """One GET parameter of a list. Subclasses define how a raw value is parsed and applied."""

    api_type: Any = str
    max_length = 50

    def __init__(self, label: str, lookup: str | None = None, *, help: str = "", placeholder: str = ""):
        self.label, self.help, self.placeholder = label, help, placeholder
        self.lookup: str = lookup if lookup is not None else ""
        self._lookup_is_name = lookup is None  # the default lookup is the parameter's own name
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = name
        if self._lookup_is_name:
            self.lookup = name

    # parsing -------------------------------------------------------------------------------------
    def parse(self, raw: str) -> Any:
        if len(raw) > self.max_length:
            raise ValueError(f"{self.label}过长（最多 {self.max_length} 个字符）")
        return raw

    # filtering -----------------------------------------------------------------------------------
    def q(self, value, user) -> Q | object:
        return Q(**{self.lookup: value})

    # the page's form field -----------------------------------------------------------------------
    def form_field(self) -> forms.Field:
        attrs = {"placeholder": self.placeholder} if self.placeholder else {}
        return forms.CharField(label=self.label, widget=forms.TextInput(attrs=attrs))

    # the API's parameter ------------------------------------------------------------------------
    def api_field(self) -> tuple[Any, Any]:
        from ninja import Field

        extra: dict[str, Any] = {"description": self.help or self.label}
        if self.api_type is str:
            extra["max_length"] = self.max_length
        return (self.api_type | None, Field(None, **extra))


class Text(ListFilter):
    """A free-text parameter matched by `lookup` (e.g. "letter_no__icontains")."""


class Search(ListFilter):
    """Name search: substring, or pinyin initials when the term is Latin letters (zs -> 张三).

    `fields` are (name field, initials field); `extra` adds more substring fields (a number, a code).
    """

    def __init__(self, label="搜索", *, fields=("name", "name_initials"), extra=(), **kwargs):
        super().__init__(label, **kwargs)
        self.fields, self.extra = tuple(fields), tuple(extra)

    def q(self, value, user):
        q = name_search_q(value, *self.fields)
        for field in self.extra:
            q |= Q(**{f"{field}__icontains": value})
        return q


class Choice(ListFilter):
    """One of a TextChoices/IntegerChoices enumeration. `api_name` names the enumeration in the OpenAPI
    document when its class name is ambiguous there (django-ninja keys components by name, so two
    enumerations called `Kind` would silently share one)."""

    def __init__(
        self, label, choices, lookup=None, *, all_label="全部", api_name: str | None = None, **kwargs
    ):
        super().__init__(label, lookup, **kwargs)
        self.choices, self.all_label = choices, all_label
        self.api_type = choices
        if api_name is not None:
            import enum

            # Built at run time under a given name (mypy only types enums declared with literal names).
            make: Any = enum.Enum
            self.api_type = make(api_name, {str(v): v for v in choices.values}, type=type(choices.values[0]))

    def parse(self, raw):
        for value in self.choices.values:
            if str(value) == raw:
                return value
        raise ValueError(f"{self.label}“{raw[:20]}”不在可选范围内")

    def form_field(self):
        return forms.ChoiceField(label=self.label, choices=[("", self.all_label), *self.choices.choices])


class Options(ListFilter):
    """One of a fixed set of named conditions: `options` maps each value to (label, Q) — or to
    (label, fn) when the condition depends on the day (an age band). `all_label` is the blank choice."""

    def __init__(self, label, options: dict[str, tuple[str, Any]], *, all_label="全部", **kwargs):
        super().__init__(label, **kwargs)
        self.options, self.all_label = options, all_label
        self.api_type = Literal[tuple(options)]

    def parse(self, raw):
        if raw not in self.options:
            raise ValueError(f"{self.label}“{raw[:20]}”不在可选范围内")
        return raw

    def q(self, value, user):
        condition = self.options[value][1]
        return condition() if callable(condition) else condition

    def form_field(self):
        choices = [("", self.all_label), *((k, label) for k, (label, _c) in self.options.items())]
        return forms.ChoiceField(label=self.label, choices=choices)


class Flag(ListFilter):
    """Yes / no / either. `q` is the condition for yes (default: `lookup` is true); no is its negation."""

    api_type = bool

    def __init__(self, label, lookup=None, *, q: Q | None = None, yes="是", no="否", **kwargs):
        super().__init__(label, lookup, **kwargs)
        self.condition, self.yes, self.no = q, yes, no

    def parse(self, raw):
        value = raw.lower()
        if value in ("true", "1", "yes", "on"):
            return True
        if value in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"{self.label}只能是 true 或 false")

    def q(self, value, user):
        condition = self.condition if self.condition is not None else Q(**{self.lookup: True})
        return condition if value else ~condition

    def form_field(self):
        return forms.ChoiceField(
            label=self.label, choices=[("", "不限"), ("true", self.yes), ("false", self.no)]
        )


class Integer(ListFilter):
    """A whole number in [min_value, max_value] matched by `lookup` (e.g. a year). `form_choices`, when
    given, returns the (value, label) pairs the page offers in a select (the API takes any number)."""

    api_type = int

    def __init__(
        self,
        label,
        lookup=None,
        *,
        min_value: int = 0,
        max_value: int = 9999,
        form_choices: Callable[[], list[tuple[Any, str]]] | None = None,
        all_label="全部",
        **kwargs,
    ):
        super().__init__(label, lookup, **kwargs)
        self.min_value, self.max_value = min_value, max_value
        self.form_choices, self.all_label = form_choices, all_label

    def parse(self, raw):
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{self.label}应为整数") from None
        if not self.min_value <= value <= self.max_value:
            raise ValueError(f"{self.label}应在 {self.min_value} 到 {self.max_value} 之间")
        return value

    def form_field(self):
        if self.form_choices is not None:
            return _ChoicesField(self)
        return forms.IntegerField(label=self.label)


class _ChoicesField(forms.ChoiceField):
    """A select whose choices are read when the form is built (this year's years, not import time's)."""

    def __init__(self, f: Integer):
        super().__init__(label=f.label)
        self._source = f

    def __deepcopy__(self, memo):
        field = super().__deepcopy__(memo)  # type: ignore[misc]  # (django-stubs omit Field.__deepcopy__)
        assert self._source.form_choices is not None
        field.choices = [("", self._source.all_label), *self._source.form_choices()]
        return field


class DateBound(ListFilter):
    """A date bound: `lookup` carries the comparison (e.g. "occurred_on__gte")."""

    api_type = datetime.date

    def parse(self, raw):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{self.label}应为 YYYY-MM-DD 格式的日期") from None

    def form_field(self):
        return forms.DateField(label=self.label, widget=forms.DateInput(attrs={"type": "date"}))


class Subtree(ListFilter):
    """Rows under a node of a materialised-path tree, named by its code: a region (the default) or a
    party organisation. `lookup` is the path to the row's node ("region", "party_org", "" for the
    row itself); only nodes the user can see count — another code gives no rows."""

    max_length = 24

    def __init__(self, label="区域", lookup="region", *, tree: Callable[[], Any] | None = None, **kwargs):
        super().__init__(label, lookup, **kwargs)
        self.tree = tree
        self.children_only = False

    def model(self):
        if self.tree is not None:
            return self.tree()
        from . import hooks

        return hooks.required("region_model")

    def q(self, value, user):
        node = self.model().objects.visible_to(user).filter(code=value).only("path", "depth").first()
        if node is None:
            return _NO_ROWS
        prefix = f"{self.lookup}__" if self.lookup else ""
        q = Q(**{f"{prefix}path__startswith": node.path})
        if self.children_only:
            q &= Q(**{f"{prefix}depth": node.depth + 1})
        return q

    def form_field(self):
        from .pages import LookupInput

        model = self.model()
        url = f"{model._meta.app_label}:lookup"
        kind = "区划" if self.tree is None else model._meta.verbose_name
        placeholder = self.placeholder or f"{kind}编码（含下级）"
        return forms.CharField(label=self.label, widget=LookupInput(url, attrs={"placeholder": placeholder}))


class Children(Subtree):
    """The direct children of a node (e.g. ?parent=<org code>)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.children_only = True


class Custom(ListFilter):
    """A filter whose condition needs code: `fn(value, user) -> Q`; `parse_as` parses the raw value
    like one of the other kinds (e.g. Flag) when given."""

    def __init__(self, label, fn: Callable[[Any, Any], Q], *, parse_as: ListFilter | None = None, **kwargs):
        super().__init__(label, **kwargs)
        self.fn, self.parse_as = fn, parse_as
        if parse_as is not None:
            self.api_type = parse_as.api_type

    def parse(self, raw):
        return self.parse_as.parse(raw) if self.parse_as is not None else super().parse(raw)

    def q(self, value, user):
        return self.fn(value, user)

    def form_field(self):
        if self.parse_as is not None:
            field = self.parse_as.form_field()
            field.label = self.label
            return field
        return super().form_field()


class ListFilters:
    """The filters of one list, in declaration order (which is also the form's order)."""

    fields: ClassVar[dict[str, ListFilter]] = {}
    _api_schema: ClassVar[Any]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fields: dict[str, ListFilter] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(getattr(base, "fields", {}))
        fields.update({k: v for k, v in vars(cls).items() if isinstance(v, ListFilter)})
        cls.fields = fields

    def __init__(self, data: Mapping[str, Any], user):
        self.user = user
        self.raw: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        for name, f in self.fields.items():
            raw = data.get(name)
            raw = "" if raw is None else str(raw).strip()
            if not raw:
                continue
            self.raw[name] = raw
            try:
                self.values[name] = f.parse(raw)
            except ValueError as exc:
                self.errors[name] = str(exc)

    @classmethod
    def from_request(cls, request) -> ListFilters:
        return cls(request.GET, request.user)

    @classmethod
    def names(cls) -> list[str]:
        return list(cls.fields)

    def is_valid(self) -> bool:
        return not self.errors

    def conditions(self) -> Q | None:
        """The applied filters as one Q; None when one of them names something out of sight."""
        q = Q()
        for name, value in self.values.items():
            cond = self.fields[name].q(value, self.user)
            if not isinstance(cond, Q):  # _NO_ROWS
                return None
            q &= cond
        return q

    def apply(self, qs: QuerySet) -> QuerySet:
        """The filtered queryset; a malformed value is a ServiceError (400) naming the parameter."""
        if self.errors:
            name, message = next(iter(self.errors.items()))
            raise ServiceError(message, field=name)
        q = self.conditions()
        return qs.none() if q is None else qs.filter(q)

    # generated companions ------------------------------------------------------------------------
    @classmethod
    def schema(cls):
        return _schema(cls)

    @classmethod
    def form_class(cls) -> type[forms.Form]:
        # Built per call (cheap): the form follows the declaration even if it changes at run time.
        return _form_class(cls)


def _schema(cls: type[ListFilters]):
    """The ninja schema of the API's query parameters, built once per declaration (the OpenAPI
    document and the endpoint's signature are fixed at import)."""
    from ninja import Schema
    from pydantic import create_model

    if "_api_schema" not in cls.__dict__:
        fields = {name: f.api_field() for name, f in cls.fields.items()}
        name = cls.__name__.removesuffix("Filters") + "Filter"
        cls._api_schema = create_model(name, __base__=Schema, **fields)  # type: ignore[call-overload]
    return cls._api_schema


def _form_class(cls: type[ListFilters]) -> type[forms.Form]:
    from .pages import FilterForm

    attrs = {name: f.form_field() for name, f in cls.fields.items()}
    return type(cls.__name__ + "Form", (FilterForm,), attrs)
