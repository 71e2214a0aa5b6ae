"""`{% basemap_config %}`: the base map settings as a json_script element (id "basemap-config") that
assets/js/25-basemap.js reads; pages with a place-finding map include it once."""

from django import template
from django.utils.html import json_script

from grassroots.grids.basemap import map_config

register = template.Library()


@register.simple_tag
def basemap_config():
    return json_script(map_config(), "basemap-config")
