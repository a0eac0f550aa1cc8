"""Fixtures for the citizen pages: the toy territory (tests.factories) and a few categories."""

import pytest

from tests.factories import make_territory
from tests.reports.factories import make_category


@pytest.fixture
def territory(db):
    return make_territory()


@pytest.fixture
def hurto(db):
    return make_category("hurto", description_es="Le quitaron algo con o sin violencia.")


@pytest.fixture
def extorsion(db):
    return make_category("extorsion", sensitive=True, responsible="fiscalia", response_days=5)
