"""Report creation against the official Bogotá boundaries (locality and UPZ assigned on the server)."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@pytest.fixture
def hurto_real(real_territory):
    from .factories import make_category

    return make_category("hurto")


@pytest.mark.parametrize(
    ("lonlat", "locality_name"),
    [
        ((-74.07594, 4.59806), "CANDELARIA"),  # Plaza de Bolívar
        ((-74.05460, 4.66680), "CHAPINERO"),  # Parque de la 93
        ((-74.14090, 4.62780), "KENNEDY"),  # Corabastos area
    ],
)
def test_real_points_get_their_locality(api, hurto_real, lonlat, locality_name):
    body = {
        "category": "hurto",
        "description": "Robo",
        "location": {"type": "Point", "coordinates": list(lonlat)},
    }
    response = api.post("/api/reports/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert locality_name in data["locality"]["name"].upper()
    assert data["upz"] is not None


def test_real_outside_and_swapped(api, hurto_real):
    outside = {
        "category": "hurto",
        "description": "x",
        "location": {"type": "Point", "coordinates": [-74.22, 4.75]},
    }
    response = api.post("/api/reports/", outside, format="json")  # Funza/Mosquera, inside the bbox margin
    assert response.status_code == 400 and "fuera de Bogotá" in response.json()["location"][0]
    swapped = {
        "category": "hurto",
        "description": "x",
        "location": {"type": "Point", "coordinates": [4.598, -74.075]},
    }
    response = api.post("/api/reports/", swapped, format="json")
    assert response.status_code == 400 and "invertidas" in response.json()["location"][0]
