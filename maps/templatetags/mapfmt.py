"""Number formatting for the map pages: locale-aware, "s. d." (sin dato) for missing figures."""

from django import template

from maps.rendering import fmt

register = template.Library()


@register.filter
def num(value, digits=0):
    """1234.5|num:1 → "1.234,5" (es-CO); None → "s. d."."""
    return fmt(value, int(digits))


@register.filter
def share(value):
    """0.456|share → "46 %"; None → "s. d."."""
    return "s. d." if value is None else f"{fmt(100 * value)} %"


@register.filter
def change(value):
    """12.5|change → "+12,5 %"; None → "s. d."."""
    if value is None:
        return "s. d."
    return ("+" if value > 0 else "") + f"{fmt(value, 1)} %"
