"""Shared fixtures. Tests run against a real PostGIS database (DATABASE_URL or the embedded cluster)."""

import os
from pathlib import Path

import pytest
from django.conf import settings


def _bogota_data_dir() -> Path | None:
    candidates = [settings.BOGOTA_DATA_DIR, str(settings.DATA_CACHE_DIR / "bogota")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "localidades.geojson").exists():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def bogota_data_dir() -> Path:
    """Folder with the official Bogotá files; skips (fails under CI) when it is not available."""
    found = _bogota_data_dir()
    if found is None:
        message = (
            "Faltan los archivos oficiales de Bogotá: defina BOGOTA_DATA_DIR (p. ej. ../shared/data/bogota) "
            "o descárguelos con `.venv/bin/python manage.py fetch_sources`."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found
