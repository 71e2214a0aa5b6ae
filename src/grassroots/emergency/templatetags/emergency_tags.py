from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in templates (counts keyed by state or kind); missing keys give 0."""
    try:
        return mapping.get(key, 0)
    except AttributeError:
        return 0
