"""Fixtures for participation tests: the toy territory (01 Norte / UPZ 1, 02 Sur / UPZ 2), one user per role."""

import pytest

from tests.reports import conftest as reports_fixtures

# The same fixtures as the reports tests (toy territory, categories, one user per role).
territory = reports_fixtures.territory
hurto = reports_fixtures.hurto
users = reports_fixtures.users

# An area of about 0.3 km² inside UPZ 1 (locality 01), and one across the 01/02 border at lat 4.60.
AREA_01 = {
    "type": "Polygon",
    "coordinates": [
        [[-74.080, 4.620], [-74.075, 4.620], [-74.075, 4.625], [-74.080, 4.625], [-74.080, 4.620]]
    ],
}
AREA_ACROSS = {
    "type": "Polygon",
    "coordinates": [
        [[-74.080, 4.598], [-74.075, 4.598], [-74.075, 4.603], [-74.080, 4.603], [-74.080, 4.598]]
    ],
}


@pytest.fixture
def proposal(territory, users):
    from participation import services

    return services.proposal_create(
        author=users["citizen"],
        title="Iluminación del parque",
        body="El parque está oscuro de noche y hay robos.",
        group="seguridad",
        where="area",
        area=AREA_01,
    )


@pytest.fixture
def session_01(territory, users):
    from datetime import timedelta

    from django.utils import timezone

    from participation import services

    return services.session_create(
        actor=users["staff_01"],
        locality_code="01",
        title="Consejo de diciembre",
        starts_at=timezone.now() + timedelta(days=7),
        place_name="Salón comunal",
        lon=-74.07,
        lat=4.62,
        capacity=2,
    )
