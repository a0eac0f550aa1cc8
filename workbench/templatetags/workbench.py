"""Template helpers of the workbench pages."""

from django import template

from reports import access

register = template.Library()


@register.simple_tag
def role_of(user) -> str:
    """The caller's role (reports.access.role_of), for the navigation."""
    return access.role_of(user)


@register.simple_tag
def justice_open_count(user) -> int | None:
    """Open justice requests the caller may handle, for the navigation; None for roles without access."""
    from justice import access as justice_access
    from justice.selectors import OPEN_STATUSES

    if not justice_access.can_use_workbench(user):
        return None
    return justice_access.requests_visible_to(user).filter(status__in=OPEN_STATUSES).count()
