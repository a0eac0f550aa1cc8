"""Who may do what with reports. One place for role rules, used by querysets, services and views.

Roles (see `Role` in models):
- anonymous: not logged in; sees public reports only (and a report whose tracking code it holds).
- citizen: logged in without a StaffProfile; sees public reports plus their own.
- locality staff: `StaffProfile(role=locality_staff, locality_codes=[...])`; handles (reads in full,
  changes status, responds, hides) the reports of those localities; sees contact data of them.
- analyst (Secretaría): reads every report with exact points, never contact data; changes nothing.
- moderator: reads every report (generalised points), hides abusive ones anywhere; no workflow.
- admin: Django superuser; everything.

A description edited by moderation (personal data removed) is what every output shows; the words as
typed are kept for moderators and admins only (can_see_original_text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Report

ANONYMOUS = "anonymous"
CITIZEN = "citizen"
ADMIN = "admin"
# Same values as models.Role (not imported: models imports this module through querysets).
LOCALITY_STAFF = "locality_staff"
ANALYST = "analyst"
MODERATOR = "moderator"


def _profile(user):
    try:
        return user.staff
    except Exception:  # RelatedObjectDoesNotExist (no profile) or AnonymousUser without the attribute
        return None


def role_of(user) -> str:
    """The single role of `user`: anonymous, citizen, locality_staff, analyst, moderator or admin."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if not user.is_active:
        return ANONYMOUS
    if user.is_superuser:
        return ADMIN
    profile = _profile(user)
    if profile is None:
        return CITIZEN
    return profile.role


def staff_locality_codes(user) -> list[str]:
    """Locality codes ('01'..'20') a locality staff member works for; empty for every other role."""
    if role_of(user) != LOCALITY_STAFF:
        return []
    return list(_profile(user).locality_codes or [])


def is_staff_role(user) -> bool:
    """True for institutional users (locality staff, analyst, moderator, admin)."""
    return role_of(user) in (LOCALITY_STAFF, ANALYST, MODERATOR, ADMIN)


def can_handle(user, report: Report) -> bool:
    """May change the workflow of and respond to `report`: its locality's staff, or an admin."""
    role = role_of(user)
    if role == ADMIN:
        return True
    return role == LOCALITY_STAFF and report.locality.code in staff_locality_codes(user)


def can_moderate(user, report: Report) -> bool:
    """May hide `report`: moderators and admins anywhere, locality staff in their own localities."""
    return role_of(user) in (MODERATOR, ADMIN) or can_handle(user, report)


def can_see_contact(user, report: Report) -> bool:
    """Contact data of the reporter: only the staff handling the report (its locality) and admins."""
    return can_handle(user, report)


def can_see_exact(user, report: Report) -> bool:
    """Exact point: the reporter, staff of the report's locality, analysts and admins.

    The holder of the tracking code is treated as the reporter by the tracking view itself (the code is
    a bearer secret), not here.
    """
    role = role_of(user)
    if role in (ADMIN, ANALYST):
        return True
    if role == LOCALITY_STAFF and report.locality.code in staff_locality_codes(user):
        return True
    return user is not None and user.is_authenticated and report.reporter_id == user.pk


def can_see_original_text(user) -> bool:
    """The description as typed, before moderation removed personal data: moderators and admins only."""
    return role_of(user) in (MODERATOR, ADMIN)


def can_use_moderation_queue(user) -> bool:
    """The moderation queue (abuse notices, hiding, redaction anywhere): moderators and admins."""
    return role_of(user) in (MODERATOR, ADMIN)
