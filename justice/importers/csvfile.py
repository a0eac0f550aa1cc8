"""CSV importer for the services without an official file here: casas de justicia, unidades de
mediación y conciliación, alcaldías locales (any kind is accepted, so the Secretariat can also correct
an office).

Columns (UTF-8, comma or semicolon separated, header row): kind, code, name, address, lat, lon and
optionally phone, schedule, email, website, data_year. `lat`/`lon` are WGS 84 decimal degrees; they
are range-checked before any geometry is built. Rows are upserted by `code`; rows of the same kinds
loaded earlier from a CSV and absent from this file are withdrawn.
"""

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from geo.spatial import BOGOTA_EXTENT, check_lonlat, make_point

from ..models import Dataset, ServiceKind
from .base import (
    DirectoryImportError,
    ImportResult,
    Progress,
    ServiceRow,
    check_unique_codes,
    checksum_of,
    fetch_if_url,
    run_import,
    workdir,
    write_service_rows,
)

REQUIRED = ("kind", "code", "name", "address", "lat", "lon")
OPTIONAL = ("phone", "schedule", "email", "website", "data_year")


def read_csv(path: str) -> list[ServiceRow]:
    """Rows of a services CSV as ServiceRow (points in EPSG:4326); raise with the line of the first defect."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DirectoryImportError(f"No se pudo leer {path}: {exc}. (Cannot read file.)") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DirectoryImportError(
            f"{path} no está en UTF-8. Guárdelo como «CSV UTF-8» e intente de nuevo. (Not UTF-8.)"
        ) from exc
    dialect = csv.Sniffer().sniff(content.splitlines()[0] if content else ",", delimiters=",;")
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DirectoryImportError(
            f"Al CSV {path} le faltan las columnas {', '.join(missing)}; se esperan "
            f"{', '.join(REQUIRED)} y opcionalmente {', '.join(OPTIONAL)}. (Missing columns.)"
        )
    rows = []
    for line, record in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
        kind = values["kind"]
        if kind not in ServiceKind.values:
            raise DirectoryImportError(
                f"Línea {line}: tipo «{kind}» desconocido; use uno de {', '.join(ServiceKind.values)}. (Unknown kind.)"
            )
        if not values["code"] or not values["name"]:
            raise DirectoryImportError(f"Línea {line}: faltan code o name. (Missing code or name.)")
        try:
            # Range, finiteness, swapped pairs and Bogotá's extent, before any geometry is built.
            lon, lat = check_lonlat(values["lon"], values["lat"], extent=BOGOTA_EXTENT)
        except ValidationError as exc:
            raise DirectoryImportError(f"Línea {line}: {' '.join(exc.messages)} (Bad coordinates.)") from exc
        year = values.get("data_year", "")
        if year and not (year.isdigit() and 1990 <= int(year) <= 2100):
            raise DirectoryImportError(f"Línea {line}: data_year «{year}» no es un año. (Bad year.)")
        rows.append(
            ServiceRow(
                code=slugify(f"{kind}-{values['code']}")[:80],
                kind=kind,
                name=values["name"],
                point=make_point(lon, lat),
                address=values["address"],
                phone_text=values.get("phone", ""),
                schedule_text=values.get("schedule", ""),
                email=values.get("email", ""),
                website=values.get("website", ""),
                data_year=int(year) if year else None,
                data_note=f"Datos de {year}." if year else "",
            )
        )
    if not rows:
        raise DirectoryImportError(f"El CSV {path} no tiene filas. (Empty file.)")
    return rows


def import_csv(*, path: str, commit: bool = False, progress: Progress | None = None) -> ImportResult:
    """Import a services CSV (path or URL); points in EPSG:4326, locality and UPZ from the boundaries."""
    say = progress or (lambda message: None)
    with workdir() as tmp:
        rows = read_csv(fetch_if_url(path, Path(tmp), "CSV de servicios"))
    check_unique_codes(rows, path)
    kinds = sorted({row.kind for row in rows})
    say(f"{len(rows)} puntos de {', '.join(kinds)} leídos de {path}.")
    return run_import(
        dataset=Dataset.CSV,
        source=path,
        checksum=checksum_of(row.fingerprint_line() for row in rows),
        rows=len(rows),
        warnings=[],
        write=lambda record, result: write_service_rows(
            rows=rows, dataset=Dataset.CSV, record=record, result=result, progress=say, withdraw_kinds=kinds
        ),
        commit=commit,
    )
