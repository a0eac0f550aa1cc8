"""Import of the official Bogotá boundaries (needs BOGOTA_DATA_DIR or the download cache)."""

import pytest

from localities.models import BoundaryVersion, Locality, Upz

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def test_real_territory_fixture_gives_the_active_version_with_20_localities(real_territory):
    assert BoundaryVersion.objects.get(active=True) == real_territory
    assert Locality.objects.filter(version=real_territory).count() == 20
    assert Upz.objects.filter(version=real_territory).count() == 116
