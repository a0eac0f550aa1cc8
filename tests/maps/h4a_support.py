"""Helpers for the analysis tests (heatmap, hotspots, stats, rollups) on the toy territory.

Toy territory (tests/factories.py): locality 01 lon -74.10..-74.05 lat 4.60..4.65 (UPZ 1), locality 02
lat 4.55..4.60 (UPZ 2). Reports are bulk-created with their real locality/UPZ and public point.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyproj
from django.utils import timezone
from rest_framework.test import APIClient

from geo.spatial import make_point
from localities.models import Locality, Upz
from localities.selectors import locate_many
from maps.services import rollups_refresh
from reports.models import Report
from reports.services import public_point

BOGOTA = ZoneInfo("America/Bogota")
_TO_GEO = pyproj.Transformer.from_crs(9377, 4326, always_xy=True)
_TO_METRIC = pyproj.Transformer.from_crs(4326, 9377, always_xy=True)


def metric_to_lonlat(x: float, y: float) -> tuple[float, float]:
    return _TO_GEO.transform(x, y)


def lonlat_to_metric(lon: float, lat: float) -> tuple[float, float]:
    return _TO_METRIC.transform(lon, lat)


def cell_centre_lonlat(lon: float, lat: float, size: float) -> tuple[float, float]:
    """The centre (lon, lat) of the square cell of `size` metres holding (lon, lat)."""
    x, y = lonlat_to_metric(lon, lat)
    return metric_to_lonlat((x // size + 0.5) * size, (y // size + 0.5) * size)


def public_lonlat(lon: float, lat: float, grid: float = 100) -> tuple[float, float]:
    """The public point of (lon, lat): the nearest node of the public grid (EPSG:9377), as lon/lat."""
    x, y = lonlat_to_metric(lon, lat)
    return metric_to_lonlat(round(x / grid) * grid, round(y / grid) * grid)


def public_cell_centre_lonlat(lon: float, lat: float, size: float, grid: float = 100) -> tuple[float, float]:
    """The centre of the public square cell of `size` metres holding the public point of (lon, lat):
    cells are shifted by half a public-grid cell (maps.selectors.grid)."""
    x, y = lonlat_to_metric(lon, lat)
    nx, ny = round(x / grid) * grid, round(y / grid) * grid
    half = grid / 2
    return metric_to_lonlat(
        ((nx + half) // size + 0.5) * size - half, ((ny + half) // size + 0.5) * size - half
    )


def add_reports(lonlats, category, *, created_at=None, **fields) -> list[Report]:
    """Bulk-create reports at (lon, lat) points with real locality/UPZ and public point."""
    located = locate_many(lonlats)
    created_at = created_at or timezone.now() - timedelta(days=1)
    rows = []
    for (lon, lat), (loc_id, upz_id) in zip(lonlats, located, strict=True):
        point = make_point(lon, lat)
        rows.append(
            Report(
                category=category,
                description="prueba",
                location=point,
                public_location=public_point(point=point, sensitive=category.sensitive),
                locality=Locality.objects.get(pk=loc_id),
                upz=Upz.objects.get(pk=upz_id) if upz_id else None,
                occurred_at=created_at,
                **fields,
            )
        )
    created = Report.objects.bulk_create(rows)
    # created_at is auto_now_add: set it afterwards.
    Report.objects.filter(pk__in=[r.pk for r in created]).update(created_at=created_at)
    return created


def local_dt(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BOGOTA)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def refresh():
    return rollups_refresh(full=True)
