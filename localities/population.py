"""Population importer: inhabitants per UPZ (Laboratorio Urbano) and per locality and year (SDP).

Files (under BOGOTA_DATA_DIR/poblacion/):
- poblacion_upz_laburbano.csv: ';'-separated, CRLF, codes as floats ('2.0', '90'), a huge
  'Geo Shape' column; no reference year (stored with year NULL). UPZ60 appears twice (split across
  Usme and Rafael Uribe Uribe): the parts are summed; an empty population counts as 0.
- poblacion_localidad_2005_2035.csv: year, locality_code, locality_name, population.
Dry run unless commit=True; re-running with the same files changes nothing (upsert by level, code,
year).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import Level, Population

UPZ_FILE = Path("poblacion") / "poblacion_upz_laburbano.csv"
LOCALITY_FILE = Path("poblacion") / "poblacion_localidad_2005_2035.csv"
UPZ_SOURCE = "Laboratorio Urbano Bogotá, poblacion-upz-bogota (SDP, población urbana)"
LOCALITY_SOURCE = "SDP/SDS, Población en Bogotá D.C. 2005-2035 (proyecciones DANE CNPV-2018)"


class PopulationFileError(ValueError):
    """A population file cannot be read; the message names the file, row and what to fix."""


@dataclass
class PopulationResult:
    rows: dict[tuple[str, str, int | None], int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    committed: bool = False


def _code(value: str, *, what: str, path: Path, line: int) -> str:
    text = (value or "").strip()
    try:
        number = float(text)
    except ValueError:
        raise PopulationFileError(f"{path.name}, fila {line}: {what} '{text}' no es un número.") from None
    if number != int(number) or number < 0:
        raise PopulationFileError(f"{path.name}, fila {line}: {what} '{text}' no es un código entero.")
    return str(int(number))


def _int(value: str, *, path: Path, line: int) -> int:
    text = (value or "").strip()
    if not text:
        return 0
    try:
        return int(round(float(text)))
    except ValueError:
        raise PopulationFileError(f"{path.name}, fila {line}: población '{text}' no es un número.") from None


def read_upz_population(path: Path) -> dict[str, int]:
    """Inhabitants per UPZ code ('1'..'117') from the Laboratorio Urbano CSV (parts summed)."""
    csv.field_size_limit(sys.maxsize)  # 'Geo Shape' holds whole polygons as text
    totals: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        missing = {"Código UPZ", "Población urbana"} - set(reader.fieldnames or [])
        if missing:
            raise PopulationFileError(f"{path.name}: faltan las columnas {', '.join(sorted(missing))}.")
        for line, row in enumerate(reader, start=2):
            code = _code(row["Código UPZ"], what="Código UPZ", path=path, line=line)
            totals[code] = totals.get(code, 0) + _int(row["Población urbana"], path=path, line=line)
    if not totals:
        raise PopulationFileError(f"{path.name}: no tiene filas.")
    return totals


def read_locality_population(path: Path) -> dict[tuple[str, int], int]:
    """Inhabitants per (locality code '01'..'20', year) from the 2005–2035 table."""
    out: dict[tuple[str, int], int] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"year", "locality_code", "population"} - set(reader.fieldnames or [])
        if missing:
            raise PopulationFileError(f"{path.name}: faltan las columnas {', '.join(sorted(missing))}.")
        for line, row in enumerate(reader, start=2):
            code = _code(row["locality_code"], what="locality_code", path=path, line=line).zfill(2)
            year = int(_code(row["year"], what="year", path=path, line=line))
            out[(code, year)] = _int(row["population"], path=path, line=line)
    if not out:
        raise PopulationFileError(f"{path.name}: no tiene filas.")
    return out


def import_population(*, data_dir: Path, commit: bool = False) -> PopulationResult:
    """Read both population files under `data_dir` and upsert them into Population (if commit)."""
    data_dir = Path(data_dir)
    wanted: dict[tuple[str, str, int | None], tuple[int, str]] = {}
    for path in (data_dir / UPZ_FILE, data_dir / LOCALITY_FILE):
        if not path.exists():
            raise PopulationFileError(f"No se encontró {path}: revise BOGOTA_DATA_DIR o --data-dir.")
    for code, value in read_upz_population(data_dir / UPZ_FILE).items():
        wanted[(Level.UPZ, code, None)] = (value, UPZ_SOURCE)
    for (code, year), value in read_locality_population(data_dir / LOCALITY_FILE).items():
        wanted[(Level.LOCALITY, code, year)] = (value, LOCALITY_SOURCE)
    result = PopulationResult(rows={k: v[0] for k, v in wanted.items()})
    existing = {(p.level, p.code, p.year): p for p in Population.objects.all()}
    with transaction.atomic():
        for key, (value, source) in wanted.items():
            row = existing.get(key)
            if row is None:
                result.created += 1
                if commit:
                    Population.objects.create(
                        level=key[0], code=key[1], year=key[2], population=value, source=source
                    )
            elif row.population != value or row.source != source:
                result.updated += 1
                if commit:
                    row.population, row.source = value, source
                    row.save(update_fields=["population", "source"])
            else:
                result.unchanged += 1
    result.committed = commit
    return result
