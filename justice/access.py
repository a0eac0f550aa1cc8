"""Who may see and handle virtual justice requests. Roles come from reports.access (one rule owner).

- anonymous / citizen: create a request; follow it with its tracking code (status and appointment only,
  never the narrative, parties or contact).
- locality staff: read in full and move the workflow of the requests of their localities; 404 for others.
- analyst, moderator: nothing. Requests are not statistics material and not moderation material.
- admin: everything.
"""

from reports import access as roles

from .models import JusticeRequest


def can_use_workbench(user) -> bool:
    """May open the staff list of justice requests: locality staff and admins."""
    return roles.role_of(user) in (roles.LOCALITY_STAFF, roles.ADMIN)


def requests_visible_to(user):
    """The requests `user` may read in full: their localities' (locality staff), all (admin), none otherwise."""
    role = roles.role_of(user)
    queryset = JusticeRequest.objects.all()
    if role == roles.ADMIN:
        return queryset
    if role == roles.LOCALITY_STAFF:
        return queryset.filter(locality__code__in=roles.staff_locality_codes(user))
    return queryset.none()


def can_handle_request(user, request: JusticeRequest) -> bool:
    """May read in full and change `request`: staff of its locality, or an admin."""
    role = roles.role_of(user)
    if role == roles.ADMIN:
        return True
    return role == roles.LOCALITY_STAFF and request.locality.code in roles.staff_locality_codes(user)
