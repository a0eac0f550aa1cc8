"""Small helpers shared by the benchmarks in bench/ (not a benchmark itself; running it does nothing).

    from _common import setup_django, ensure_boundaries, timed, print_table

- setup_django(): puts the project on sys.path and sets up Django with geo.settings.dev, so the
  dev database comes from DATABASE_URL or .local/database_url, as for manage.py.
- ensure_boundaries(): imports the official boundaries into that database when none is active
  (`import_boundaries --commit --if-empty`) and exits with a message saying what to do otherwise.
- timed(fn, *args, repeat=1): (best wall-clock seconds over `repeat` runs, result of the last run).
- print_table(rows, baseline=...): an aligned table of time, rate and ratio against one row.
"""

import io
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(settings: str = "geo.settings.dev") -> None:
    """Make the project importable and call django.setup() (dev settings unless told otherwise)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def ensure_boundaries() -> None:
    """Import the official boundaries into the configured database if no version is active yet."""
    from django.core.management import call_command

    from localities.models import BoundaryVersion

    if BoundaryVersion.objects.filter(active=True).exists():
        return
    print("Importando los límites oficiales en la base de desarrollo…", flush=True)
    call_command("import_boundaries", commit=True, if_empty=True, stdout=io.StringIO())
    if not BoundaryVersion.objects.filter(active=True).exists():
        sys.exit(
            "No hay límites de localidades en la base de desarrollo. Defina BOGOTA_DATA_DIR (carpeta con "
            "localidades.geojson y upz/UPla.shp) y ejecute `manage.py import_boundaries --commit`."
        )


def timed(fn: Callable, *args, repeat: int = 1, **kwargs) -> tuple[float, object]:
    """Best wall-clock time in seconds of `repeat` calls of fn(*args, **kwargs), and the last result."""
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass
class Row:
    """One line of a benchmark table: what ran, how long it took, and how many items it handled."""

    name: str
    seconds: float
    items: int
    note: str = ""


def machine() -> str:
    """One line naming the date (UTC), CPU count and platform, for the figures in the README."""
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPU · {platform.machine()} · "
        f"Python {platform.python_version()}"
    )


def print_table(rows: list[Row], *, baseline: str, unit: str = "points") -> None:
    """Print rows as a table with time, items per second and time relative to the `baseline` row."""
    base = next(r.seconds for r in rows if r.name == baseline)
    width = max(len(r.name) for r in rows)
    header = f"{'method':<{width}}  {'time (s)':>9}  {unit + '/s':>12}  {'× ' + baseline:>14}  note"
    print(header)
    print("-" * len(header))
    for r in rows:
        rate = r.items / r.seconds if r.seconds else float("inf")
        print(f"{r.name:<{width}}  {r.seconds:>9.3f}  {rate:>12,.0f}  {r.seconds / base:>14.2f}  {r.note}")
