"""Shared machinery of the directory importers: open a layer, check it, fingerprint, locate, upsert.

Every import reads and checks the whole file before the first write; the write is one transaction
and, without `commit`, is rolled back so the result tells what would happen. Identical content
(same fingerprint as the dataset's latest import) writes nothing. Rows are upserted by a stable
`code`; rows of the dataset missing from the new file are withdrawn (`active=False`), not deleted.
"""

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point, WKTWriter
from django.db import transaction

from geo.spatial import STORAGE_SRID
from localities.importers import ACCEPTED_SRIDS, DownloadError, download, names_table
from localities.importers.download import is_url
from localities.importers.sources import MANIFEST_PATH, ManifestError, load_manifest
from localities.models import BoundaryVersion, Locality, Upz
from localities.selectors import locate_many

from ..models import DirectoryImport, ServicePoint
from ..parsing import name_key, parse_phones, parse_schedule

Progress = Callable[[str], None]
URL_MAX_BYTES = 100 * 1024 * 1024
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
FINGERPRINT_WKT = WKTWriter(precision=8)  # 1e-8 degrees ≈ 1 mm: fingerprints ignore re-projection noise


class DirectoryImportError(Exception):
    """The input cannot be imported; the message says what is wrong and what to do (Spanish, English)."""


@dataclass
class ServiceRow:
    """One service point read from a file, normalised; `point` is EPSG:4326."""

    code: str
    kind: str
    name: str
    point: Point
    address: str = ""
    phone_text: str = ""
    schedule_text: str = ""
    email: str = ""
    website: str = ""
    station_code: str = ""
    source_locality_code: str = ""
    source_upz_code: str = ""
    data_year: int | None = None
    data_note: str = ""
    # Locality implied by the name ('Estación de Policía Teusaquillo'), only to report disagreements.
    name_locality_code: str = ""

    def fingerprint_line(self) -> str:
        values = {k: v for k, v in asdict(self).items() if k != "point"}
        return f"{sorted(values.items())}|{FINGERPRINT_WKT.write(self.point).decode()}\n"


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    dataset: str
    status: str  # "created", "unchanged" or "dry-run"
    checksum: str
    rows: int
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    disagreements: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: DirectoryImport | None = None


@dataclass(frozen=True)
class DatasetSource:
    """Where a dataset is found by default: a path under BOGOTA_DATA_DIR, or a manifest entry's cache path."""

    label: str  # Spanish name, for messages
    option: str  # command-line option that points at the file
    data_dir_paths: tuple[str, ...]
    manifest_name: str | None = None


def default_path(source: DatasetSource) -> str:
    """The dataset's file in BOGOTA_DATA_DIR, else in the download cache (data/sources.toml `dest`)."""
    looked = []
    if settings.BOGOTA_DATA_DIR:
        for relative in source.data_dir_paths:
            candidate = Path(settings.BOGOTA_DATA_DIR) / relative
            looked.append(str(candidate))
            if candidate.exists():
                return str(candidate)
    if source.manifest_name:
        try:
            entries = {s.name: s for s in load_manifest(MANIFEST_PATH)}
        except ManifestError as exc:
            raise DirectoryImportError(str(exc)) from exc
        entry = entries.get(source.manifest_name)
        if entry is not None:
            candidate = Path(settings.DATA_CACHE_DIR) / entry.dest
            looked.append(str(candidate))
            if candidate.exists():
                return str(candidate)
    hint = (
        f"ejecute `manage.py fetch_sources --only {source.manifest_name}`, "
        if source.manifest_name
        else "no hay descarga oficial registrada, "
    )
    raise DirectoryImportError(
        f"No se encontró el archivo de {source.label}; se buscó en: {', '.join(looked) or '(BOGOTA_DATA_DIR vacío)'}. "
        f"Defina BOGOTA_DATA_DIR, {hint}o indique la ruta o URL con {source.option}. (Source file not found.)"
    )


def fetch_if_url(given: str, workdir: Path, label: str) -> str:
    """`given` itself when it is a path; otherwise download it (and a shapefile's sidecars) into `workdir`."""
    if not is_url(given):
        return given
    name = given.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "source"
    target = workdir / name
    try:
        download(given, target, max_bytes=URL_MAX_BYTES)
        if target.suffix.lower() == ".shp":
            stem = given.rsplit(".", 1)[0]
            for ext in SHAPEFILE_SIDECARS:
                try:
                    download(stem + ext, target.with_suffix(ext), max_bytes=URL_MAX_BYTES)
                except DownloadError:
                    if ext != ".cpg":
                        raise
    except DownloadError as exc:
        raise DirectoryImportError(f"{label}: {exc}") from exc
    return str(target)


@dataclass
class Layer:
    """The features of a vector layer as dicts of attributes (lower-case keys) plus a GEOS geometry."""

    name: str
    srid: int
    features: list[tuple[dict, GEOSGeometry]]
    fields: list[str]


def open_layer(path: str, label: str, *, geom_types: Iterable[str], required: Iterable[str]) -> Layer:
    """Read every feature of the first layer of `path` (geometry in EPSG:4326); raise on any defect."""
    if not path.startswith("/vsi") and not Path(path).exists():
        raise DirectoryImportError(
            f"No se encontró el archivo de {label}: {path}. Revise la ruta o BOGOTA_DATA_DIR. (File not found.)"
        )
    try:
        ds = DataSource(path)
    except GDALException as exc:
        raise DirectoryImportError(
            f"GDAL no pudo abrir el archivo de {label} ({path}): ¿está truncado o no es un formato vectorial? "
            "Descárguelo de nuevo. (Cannot open file.)"
        ) from exc
    if ds.layer_count == 0:
        raise DirectoryImportError(f"El archivo de {label} ({path}) no tiene capas. (No layers.)")
    layer = ds[0]
    fields = {name.lower(): name for name in layer.fields}
    missing = [name for name in required if name.lower() not in fields]
    if missing:
        raise DirectoryImportError(
            f"A la capa '{layer.name}' de {label} ({path}) le faltan los campos {', '.join(missing)}; tiene "
            f"{', '.join(layer.fields) or 'ninguno'}. ¿Es el archivo correcto? (Missing fields.)"
        )
    srid = _srid(layer, label, path)
    allowed = set(geom_types)
    features = []
    try:
        for number, feature in enumerate(layer, start=1):
            ogr = feature.geom
            if ogr is None or ogr.geos.empty:
                raise DirectoryImportError(
                    f"La entidad {number} de {label} ({path}) no tiene geometría: el archivo parece truncado o "
                    "dañado. (Feature without geometry.)"
                )
            if ogr.coord_dim != 2:
                ogr.coord_dim = 2
            geom = ogr.geos
            if geom.geom_type not in allowed:
                raise DirectoryImportError(
                    f"La entidad {number} de {label} ({path}) es {geom.geom_type}; se esperaba "
                    f"{' o '.join(sorted(allowed))}. ¿Es la capa correcta? (Wrong geometry type.)"
                )
            geom.srid = srid
            if srid != STORAGE_SRID:
                geom.transform(STORAGE_SRID)
            attrs = {key: _value(feature[original].value) for key, original in fields.items()}
            features.append((attrs, geom))
    except (GDALException, GEOSException) as exc:
        raise DirectoryImportError(
            f"Error de lectura en {label} ({path}) tras {len(features)} entidades: {exc}. El archivo parece "
            "truncado o dañado; descárguelo de nuevo. (Read error.)"
        ) from exc
    if not features or len(features) != layer.num_feat:
        raise DirectoryImportError(
            f"Se leyeron {len(features)} de {layer.num_feat} entidades de {label} ({path}): el archivo está "
            "truncado o vacío. (Truncated file.)"
        )
    return Layer(name=layer.name, srid=srid, features=features, fields=list(layer.fields))


def _value(value):
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def _srid(layer, label: str, path: str) -> int:
    srs = layer.srs
    srid = None
    if srs is not None:
        srid = srs.srid
        if srid is None:
            try:
                srs.identify_epsg()
                srid = srs.srid
            except GDALException:
                srid = None
    if srid not in ACCEPTED_SRIDS:
        accepted = ", ".join(f"EPSG:{code}" for code in ACCEPTED_SRIDS)
        raise DirectoryImportError(
            f"Sistema de referencia desconocido o ausente en {label} ({path}): "
            f"{getattr(srs, 'name', None) or 'sin .prj'} (EPSG:{srid}). Reproyecte a uno de {accepted}. "
            "(Unknown CRS.)"
        )
    return srid


def text(attrs: dict, key: str) -> str:
    """Attribute `key` (case-insensitive) as a stripped string; '' when absent or null."""
    value = attrs.get(key.lower())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def locality_code(raw: str) -> str:
    """'3', '03', '3.0' -> '03'; '' for anything that is not a locality code 01..20."""
    raw = (raw or "").strip()
    if re.fullmatch(r"\d{1,2}(\.0+)?", raw) and 1 <= int(float(raw)) <= 20:
        return f"{int(float(raw)):02d}"
    return ""


def locality_code_by_name(name: str) -> str:
    """Locality code for a name written any way ('ENGATIVA', 'MÁRTIRES', 'RAFAEL URIBE'); '' if none fits."""
    key = name_key(name)
    if not key:
        return ""
    hits = []
    for code, display in names_table()["localities"].items():
        full = name_key(display)
        if key == full or full.endswith(" " + key) or full.startswith(key + " ") or key.endswith(" " + full):
            hits.append(code)
    return hits[0] if len(hits) == 1 else ""


def locality_display(code: str) -> str:
    return names_table()["localities"].get(code, code)


def checksum_of(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
    return digest.hexdigest()


class _DryRunRollback(Exception):
    pass


def _latest(dataset: str) -> DirectoryImport | None:
    return DirectoryImport.objects.filter(dataset=dataset).order_by("-created_at", "-pk").first()


def run_import(
    *,
    dataset: str,
    source: str,
    checksum: str,
    rows: int,
    warnings: list[str],
    write: Callable[[DirectoryImport, ImportResult], None],
    commit: bool,
) -> ImportResult:
    """Common skeleton: unchanged check, one transaction, DirectoryImport record, dry-run rollback."""
    # The boundaries are part of the content: after a new boundary version the same file is located again.
    boundaries = BoundaryVersion.objects.filter(active=True).values_list("checksum", flat=True).first()
    if boundaries is None:
        raise DirectoryImportError(
            "No hay límites de localidades cargados: cada servicio toma su localidad y UPZ de ellos. Ejecute "
            "primero `manage.py import_boundaries --commit`. (No active boundaries.)"
        )
    checksum = hashlib.sha256(f"{checksum}|boundaries:{boundaries}".encode()).hexdigest()
    result = ImportResult(dataset=dataset, status="created", checksum=checksum, rows=rows, warnings=warnings)
    latest = _latest(dataset)
    if latest is not None and latest.checksum == checksum:
        result.status = "unchanged"
        result.record = latest
        return result
    try:
        with transaction.atomic():
            # Same content as an older import (the file went back): record it again as the newest.
            DirectoryImport.objects.filter(dataset=dataset, checksum=checksum).delete()
            record = DirectoryImport.objects.create(
                dataset=dataset, source=source, checksum=checksum, rows=rows, warnings=[]
            )
            write(record, result)
            record.warnings = result.warnings + result.disagreements
            record.save(update_fields=["warnings"])
            result.record = record
            if not commit:
                raise _DryRunRollback
    except _DryRunRollback:
        result.status = "dry-run"
        result.record = None
    return result


def write_service_rows(
    *,
    rows: list[ServiceRow],
    dataset: str,
    record: DirectoryImport,
    result: ImportResult,
    progress: Progress,
    withdraw_kinds: Iterable[str] | None = None,
) -> None:
    """Upsert `rows` by code with locality and UPZ from the active boundaries; withdraw missing codes
    of the dataset (only of `withdraw_kinds` when given: a CSV of casas de justicia leaves the
    alcaldías alone)."""
    progress(f"Ubicando {len(rows)} puntos en las localidades y UPZ de la plataforma…")
    located = locate_many([(row.point.x, row.point.y) for row in rows])
    localities = Locality.objects.in_bulk({loc for loc, _ in located if loc})
    upzs = Upz.objects.in_bulk({upz for _, upz in located if upz})
    existing = {p.code: p for p in ServicePoint.objects.filter(code__in=[r.code for r in rows])}
    for row, (loc_id, upz_id) in zip(rows, located, strict=True):
        locality = localities.get(loc_id)
        upz = upzs.get(upz_id)
        if locality is None:
            result.warnings.append(
                f"{row.name}: el punto ({row.point.y:.6f}, {row.point.x:.6f}) queda fuera de Bogotá; se "
                "guarda sin localidad."
            )
        elif row.source_locality_code and row.source_locality_code != locality.code:
            result.disagreements.append(
                f"{row.name}: la fuente dice localidad {row.source_locality_code} "
                f"({locality_display(row.source_locality_code)}) y el punto cae en {locality.code} ({locality.name}); "
                "se guardan las dos."
            )
        if locality is not None and row.name_locality_code and row.name_locality_code != locality.code:
            result.disagreements.append(
                f"{row.name}: el nombre indica la localidad {row.name_locality_code} "
                f"({locality_display(row.name_locality_code)}) pero el punto cae en {locality.code} ({locality.name})"
                f"{' como dice la fuente' if row.source_locality_code == locality.code else ''}."
            )
        values = {
            "kind": row.kind,
            "name": row.name,
            "address": row.address,
            "phone_text": row.phone_text,
            "schedule_text": row.schedule_text,
            "email": row.email,
            "website": row.website,
            "station_code": row.station_code,
            "location": row.point,
            "locality": locality,
            "upz": upz,
            "source_locality_code": row.source_locality_code,
            "source_upz_code": row.source_upz_code,
            "data_year": row.data_year,
            "data_note": row.data_note,
            "dataset": dataset,
            "active": True,
        }
        values["phones"] = parse_phones(row.phone_text)
        values["schedule"] = parse_schedule(row.schedule_text)
        if row.schedule_text and not values["schedule"]:
            result.warnings.append(
                f"{row.name}: horario no interpretado, se muestra tal cual: «{row.schedule_text}»."
            )
        point = existing.get(row.code)
        if point is None:
            ServicePoint.objects.create(code=row.code, last_import=record, **values)
            result.created += 1
        else:
            if point.dataset != dataset:
                raise DirectoryImportError(
                    f"El código {row.code} ya pertenece al conjunto {point.dataset}; no se sobrescribe con "
                    f"{dataset}. Cambie el código en el archivo. (Code owned by another dataset.)"
                )
            changed = any(getattr(point, key) != value for key, value in values.items())
            for key, value in values.items():
                setattr(point, key, value)
            point.last_import = record
            point.save()
            result.updated += int(changed)
    missing = ServicePoint.objects.filter(dataset=dataset, active=True).exclude(
        code__in=[r.code for r in rows]
    )
    if withdraw_kinds is not None:
        missing = missing.filter(kind__in=list(withdraw_kinds))
    result.withdrawn = missing.update(active=False)


def check_unique_codes(rows: list[ServiceRow], label: str) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.code] = seen.get(row.code, 0) + 1
    repeated = sorted(code for code, n in seen.items() if n > 1)
    if repeated:
        raise DirectoryImportError(
            f"Códigos repetidos en {label}: {', '.join(repeated)}. Cada punto necesita un código propio. "
            "(Duplicated codes.)"
        )


def workdir():
    """A temporary folder for downloads, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="convive-justice-")
