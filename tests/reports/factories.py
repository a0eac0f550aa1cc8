"""Factories for reports on the toy territory of tests/factories.py (localities 01 and 02)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from geo.spatial import make_point
from reports.models import Category, Role, StaffProfile
from reports.services import report_create

# Inside locality 01 (north square) and 02 (south square) of the toy territory.
POINT_01 = (-74.0712, 4.6234)
POINT_02 = (-74.0712, 4.5734)
PASSWORD = "clave-segura-123"


def make_category(code="hurto", *, sensitive=False, **extra) -> Category:
    """A category (upserted by code)."""
    defaults = {
        "name_es": code.replace("_", " ").capitalize(),
        "name_en": code,
        "group": "seguridad",
        "sensitive": sensitive,
        "responsible": "alcaldia_local",
        "response_days": 10,
        **extra,
    }
    category, _ = Category.objects.update_or_create(code=code, defaults=defaults)
    return category


def make_user(username, *, role=None, localities=(), superuser=False, password=None):
    """A user; `role` adds a StaffProfile (locality_staff, analyst, moderator)."""
    password = password or PASSWORD
    User = get_user_model()
    if superuser:
        user = User.objects.create_superuser(username=username, password=password, email=f"{username}@x.co")
    else:
        user = User.objects.create_user(username=username, password=password)
    if role:
        StaffProfile.objects.create(user=user, role=Role(role), locality_codes=list(localities))
    return user


def make_report(*, category=None, lonlat=POINT_01, description="Robo de celular en la esquina", **extra):
    """A report created through the service (so locality, public point and history are real)."""
    return report_create(
        category=category or make_category(),
        description=description,
        location=make_point(*lonlat),
        occurred_at=extra.pop("occurred_at", timezone.now() - timedelta(hours=1)),
        channel=extra.pop("channel", "web"),
        **extra,
    )
