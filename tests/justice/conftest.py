"""Fixtures of the justice tests: the real directory (imported once per session) and users per role."""

import pytest

from tests.reports.conftest import api, client_for, territory, users  # noqa: F401  (shared fixtures)


@pytest.fixture(scope="session")
def real_directory(real_territory, django_db_blocker):
    """The official service files and quadrants imported (committed) into the test database once.

    Returns {dataset: ImportResult} of the first import in this session; with a reused test database
    the results are "unchanged" and carry the stored record.
    """
    from justice.importers import import_dataset, import_quadrants
    from justice.models import Dataset

    results = {}
    with django_db_blocker.unblock():
        for dataset in (
            Dataset.CAI_2022,
            Dataset.POLICE_STATIONS,
            Dataset.FAMILY_COMMISSARIES,
            Dataset.POLICE_INSPECTIONS_2017,
        ):
            results[dataset] = import_dataset(dataset, commit=True)
        results[Dataset.QUADRANTS_2022] = import_quadrants(commit=True)
    return results


@pytest.fixture
def private_root(settings, tmp_path):
    """Attachments of justice requests go to a temporary private folder."""
    settings.JUSTICE_PRIVATE_ROOT = tmp_path / "private"
    return settings.JUSTICE_PRIVATE_ROOT
