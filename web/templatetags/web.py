"""Template helpers of the citizen pages."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def category_label(category) -> str:
    """The category's name in the page's language (escaped by the template engine)."""
    return selectors.category_name(category)


@register.simple_tag
def category_help(category) -> str:
    return selectors.category_help(category)


@register.simple_tag
def query_with(request, **changes) -> str:
    """The current query string with `changes` applied (for pagination links that keep the filters)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
