"""`{% hub_panel grid=grid %}` / `{% hub_panel region=node %}`: the 联户 figures card on grid and
region pages (hubs, linked households, contacted within GOV-12's interval, overdue)."""

from django import template

from ..stats import hub_figures

register = template.Library()


@register.inclusion_tag("outreach/_panel.html", takes_context=True)
def hub_panel(context, grid=None, region=None, css="mt-3"):
    user = context["request"].user
    if grid is None and (region is None or region.level not in ("community", "street", "district", "city")):
        return {"figures": None}
    figures = hub_figures(user, community=region, grid=grid)
    return {
        "figures": figures,
        "community": region if region is not None and region.level == "community" else None,
        "grid": grid,
        "css": css,
    }
