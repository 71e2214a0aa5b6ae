from __future__ import annotations

from django import template
from django.template.base import token_kwargs
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from grassroots.core.personal import can_unmask, masked_value
from grassroots.core.scoping import has_perm, perm_code

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context, obj, field: str):
    """Masked value, plus a 查看 button for users who may unmask it (asks for a purpose)."""
    value = masked_value(obj, field)
    if not value:
        return mark_safe('<span class="text-secondary">—</span>')  # constant markup, nothing to escape
    user = context["request"].user
    if not can_unmask(user, obj):
        return format_html('<span class="masked">{}</span>', value)
    url = reverse("core:unmask", args=[obj._meta.label_lower, obj.pk, field])
    return format_html(
        '<span class="unmask-slot"><span class="masked">{}</span> <button type="button" '
        'class="btn btn-sm btn-ghost-secondary py-0 px-1 no-print" hx-post="{}" '
        'hx-prompt="请填写查看用途（将记入审计日志）" hx-target="closest .unmask-slot" hx-swap="innerHTML" '
        'title="查看明文" aria-label="查看明文"><i class="ti ti-eye"></i></button></span>',
        value,
        url,
    )


@register.filter
def can(user, perm: str) -> bool:
    return has_perm(user, perm)


@register.filter
def sees(user, obj) -> bool:
    """Whether the user may open the object's page (the check its detail view makes): links to
    objects outside the user's scope are rendered as plain text. Select the object's scope relations."""
    if obj is None:
        return False
    from grassroots.core.scoping import covers

    return has_perm(user, perm_code(type(obj), "view")) and covers(user, obj, "view")


@register.simple_tag(takes_context=True)
def query_without(context, *names):
    """The current query string without the given parameters, ending with & when not empty."""
    params = context["request"].GET.copy()
    for n in names:
        params.pop(n, None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""


@register.filter
def yesno_cn(value) -> str:
    if value is None:
        return "—"
    return "是" if value else "否"


@register.filter
def user_name(user, empty: str = "—") -> str:
    """A user as people read it (User.__str__), `empty` for none. Templates used
    `u.display_name|default:u.username`, whose filter argument raises (a 500) when `u` is None: a
    nullable actor (受理人, 上门人, 发布人) whose account was removed, or a record made by the system."""
    return empty if user is None else str(user)  # User.__str__: 姓名, else the account name


class PagedNode(template.Node):
    child_nodelists = ("nodelist", "nodelist_row")

    def __init__(self, rows, var, options: dict, nodelist, nodelist_row, in_table: bool):
        self.rows, self.var, self.options, self.in_table = rows, var, options, in_table
        self.nodelist, self.nodelist_row = nodelist, nodelist_row

    def render_body(self, context, rows) -> str:
        if self.nodelist_row is None:
            return self.nodelist.render(context)
        cells = []
        for item in rows:
            with context.push(**{self.var: item}):
                cells.append(self.nodelist_row.render(context))
        return f"<thead>{self.nodelist.render(context)}</thead>\n<tbody>{''.join(cells)}</tbody>"

    def render(self, context) -> str:
        options = {name: value.resolve(context) for name, value in self.options.items()}
        rows = self.rows.resolve(context)
        options["paged_body"] = mark_safe(self.render_body(context, rows)) if rows else ""  # noqa: S308
        options["paged_in_table"] = self.in_table
        page = context.template.engine.get_template("includes/paged.html")
        with context.push(**options):
            return page.render(context)


def _paged(parser, token, in_table: bool):
    bits = token.split_contents()
    tag = bits[0]
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{tag} needs the rows to show")
    rows, rest, var = parser.compile_filter(bits[1]), bits[2:], None
    if in_table and len(rest) >= 2 and rest[0] == "as":
        var, rest = rest[1], rest[2:]
    given = len(rest)
    options = token_kwargs(rest, parser)  # consumes `rest`
    if len(options) != given:
        raise template.TemplateSyntaxError(f"{tag} takes name=value options after the rows")
    nodelist, nodelist_row = parser.parse(("rows", f"end{tag}") if var else (f"end{tag}",)), None
    if var:
        if parser.next_token().contents != "rows":
            raise template.TemplateSyntaxError(f"{tag} … as {var} needs {{% rows %}} before the row")
        nodelist_row = parser.parse((f"end{tag}",))
    parser.delete_first_token()
    return PagedNode(rows, var, options, nodelist, nodelist_row, in_table)


@register.tag
def paged_table(parser, token):
    """A list page's table, or its empty state:

        {% paged_table object_list as obj icon=… title=… hint=… %}<tr><th>…</th></tr>
        {% rows %}<tr><td>{{ obj… }}</td></tr>{% endpaged_table %}

    shows the head row and a row for each of the rows in a responsive card table followed by the page's
    pagination when the rows are not empty; else includes/empty.html with the icon, title, hint
    (action_url, action_label) given. Without `as`, the block holds the whole <thead> and <tbody>.
    Options: `table_class` adds to the table's classes; `filtered="没有符合条件的…"` says so (filter-off)
    when the page is filtered (`filters`); `empty_in_body=True` puts the empty state in a card body."""
    return _paged(parser, token, in_table=True)


@register.tag
def paged(parser, token):
    """Like paged_table for rows that are not a table (a list group, cards): the body as written."""
    return _paged(parser, token, in_table=False)
