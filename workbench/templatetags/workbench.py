"""Template helpers of the workbench pages."""

from django import template

from reports import access

register = template.Library()


@register.simple_tag
def role_of(user) -> str:
    """The caller's role (reports.access.role_of), for the navigation."""
    return access.role_of(user)
