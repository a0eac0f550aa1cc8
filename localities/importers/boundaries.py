"""Import of the official boundaries: localities (localidades.geojson) and UPZ/UPR (UPla.shp).

Files are read through GDAL, checked completely, normalised (encoding, valid MultiPolygons in
EPSG:4326) and fingerprinted before anything is written. Writing creates a new BoundaryVersion only
when the content differs from the active one; earlier versions and their rows stay untouched.
Areas are measured in EPSG:9377 (metres) and stored in km².
"""

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.db.models.functions import Area, Intersection, Transform
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon, WKTWriter
from django.db import transaction

from geo.spatial import MAGNA_GEOGRAPHIC_SRID, METRIC_SRID, STORAGE_SRID, as_multipolygon

from ..models import BoundaryVersion, Locality, Upz
from ..services import boundary_version_activate
from .download import DownloadError, download, is_url
from .names import names_table, repair_mojibake, title_case_es

# CRSs we know how to bring to EPSG:4326 for Bogotá. Anything else is refused rather than guessed:
# a wrong CRS silently shifts every boundary.
ACCEPTED_SRIDS = {
    STORAGE_SRID: "WGS 84 / CRS84",
    MAGNA_GEOGRAPHIC_SRID: "MAGNA-SIRGAS",
    METRIC_SRID: "MAGNA-SIRGAS / Origen-Nacional",
    3116: "MAGNA-SIRGAS / Colombia Bogotá zone",
}
# Largest file fetched when a URL is given on the command line.
URL_MAX_BYTES = 300 * 1024 * 1024
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
# Coordinates in the fingerprint are rounded to 1e-8 degrees (about 1 mm) so that the same
# boundaries give the same fingerprint whatever the floating-point noise of a re-projection.
_FINGERPRINT_WKT = WKTWriter(precision=8)

Progress = Callable[[str], None]


class BoundaryImportError(Exception):
    """The input cannot be imported; the message says what is wrong and what to do (Spanish, English)."""


@dataclass(frozen=True)
class LayerSpec:
    """What the importer expects of one input layer."""

    label: str  # Spanish name of the layer, for messages
    option: str  # command-line option that points at the file
    code_field: str
    name_field: str
    type_field: str | None = None


LOCALITIES = LayerSpec("localidades", "--localities", "LocCodigo", "LocNombre")
UPZ = LayerSpec("UPZ/UPR", "--upz", "UPlCodigo", "UPlNombre", type_field="UPlTipo")
# Fields such as LocArea/UPlArea/SHAPE_Area are 19-digit reals (m² and degrees²); mapped naively into
# an integer or a small DecimalField (LayerMapping) they overflow. They are not read at all: areas
# are measured again from the geometry in EPSG:9377, which is what the rest of the platform uses.


@dataclass
class SourceUnit:
    """One unit read from a file: official code, repaired source name, MultiPolygon in EPSG:4326."""

    code: str
    source_name: str
    geom: MultiPolygon
    rural: bool = False
    repaired_text: bool = False
    repaired_geometry: bool = False

    def digest(self) -> str:
        return geometry_digest(self.geom)


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    status: str  # "created", "unchanged", "reactivated" or "dry-run"
    checksum: str
    version: BoundaryVersion | None
    localities: int
    upz: int
    upr: int
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BoundarySources:
    localities: str
    upz: str


def geometry_digest(geom: GEOSGeometry) -> str:
    """SHA-256 of a geometry's normalised WKT at 1e-8 degrees (EPSG:4326)."""
    normal = geom.clone()
    normal.normalize()
    return hashlib.sha256(_FINGERPRINT_WKT.write(normal)).hexdigest()


def default_sources() -> BoundarySources:
    """The official files in BOGOTA_DATA_DIR, else in the download cache (DATA_CACHE_DIR/bogota)."""
    folders = [Path(p) for p in (settings.BOGOTA_DATA_DIR, settings.DATA_CACHE_DIR / "bogota") if p]
    for folder in folders:
        localities = folder / "localidades.geojson"
        upz = next(
            (p for p in (folder / "upz" / "UPla.shp", folder / "upz" / "upz.geojson") if p.exists()), None
        )
        if localities.exists() and upz is not None:
            return BoundarySources(str(localities), str(upz))
    looked = ", ".join(str(f) for f in folders) or "(ninguna carpeta configurada)"
    raise BoundaryImportError(
        "No se encontraron los archivos oficiales (localidades.geojson y upz/UPla.shp) en: "
        f"{looked}. Defina BOGOTA_DATA_DIR, ejecute `manage.py fetch_sources`, o indique "
        "--localities y --upz. (Official boundary files not found.)"
    )


def _fetch(url: str, workdir: Path) -> Path:
    """Download `url` (and a shapefile's sidecars) into `workdir`; returns the local path."""
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "source"
    target = workdir / name
    download(url, target, max_bytes=URL_MAX_BYTES)
    if target.suffix.lower() == ".shp":
        stem = url.rsplit(".", 1)[0]
        for ext in SHAPEFILE_SIDECARS:
            try:
                download(stem + ext, target.with_suffix(ext), max_bytes=URL_MAX_BYTES)
            except DownloadError:
                if ext in (".shx", ".dbf", ".prj"):
                    raise
    return target


def _gdal_path(path: Path, spec: LayerSpec) -> str:
    """The string GDAL opens: the file itself, or a vector file inside a .zip via /vsizip/."""
    if not path.exists():
        raise BoundaryImportError(
            f"No se encontró el archivo de {spec.label}: {path}. Revise la ruta de {spec.option} o "
            f"BOGOTA_DATA_DIR. (File not found.)"
        )
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise BoundaryImportError(
            f"El zip de {spec.label} ({path}) está dañado o incompleto; descárguelo de nuevo. (Corrupt zip.)"
        ) from exc
    inner = next((m for m in members if m.lower().endswith((".shp", ".geojson", ".json"))), None)
    if inner is None:
        raise BoundaryImportError(
            f"El zip {path} no contiene un .shp ni un .geojson de {spec.label}. (No vector file in zip.)"
        )
    return f"/vsizip/{path}/{inner}"


def _layer_srid(layer, spec: LayerSpec, where: str) -> int:
    srs = layer.srs
    if srs is None:
        raise BoundaryImportError(
            f"El archivo de {spec.label} ({where}) no declara sistema de referencia (¿falta el .prj?). "
            f"Se aceptan EPSG {', '.join(map(str, ACCEPTED_SRIDS))}. (No CRS declared.)"
        )
    srid = srs.srid
    if srid is None:
        try:
            srs.identify_epsg()
            srid = srs.srid
        except GDALException:
            srid = None
    if srid not in ACCEPTED_SRIDS:
        accepted = "; ".join(f"EPSG:{code} {name}" for code, name in ACCEPTED_SRIDS.items())
        raise BoundaryImportError(
            f"Sistema de referencia desconocido en {spec.label} ({where}): "
            f"{srs.name or 'sin nombre'} (EPSG:{srid}). Reproyecte el archivo a uno de: {accepted}. "
            "(Unknown CRS.)"
        )
    return srid


def _polygonal(geom: GEOSGeometry) -> MultiPolygon | None:
    """The polygonal part of `geom` as a MultiPolygon (after make_valid it can be a collection)."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return as_multipolygon(geom)
    polygons = []
    for part in geom:
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part)
    return MultiPolygon(polygons, srid=geom.srid) if polygons else None


def _normalise_code(raw, spec: LayerSpec, rural: bool) -> str:
    text = str(raw).strip().upper()
    if re.fullmatch(r"\d+(\.0+)?", text):  # some exports carry codes as numbers ("2.0")
        text = str(int(float(text)))
    if spec is LOCALITIES:
        if text.isdigit() and 1 <= int(text) <= 99:
            return text.zfill(2)
    else:
        if match := re.fullmatch(r"UPZ\s*0*(\d+)", text):
            return match.group(1)
        if match := re.fullmatch(r"UPR\s*0*(\d+)", text):
            return f"UPR{match.group(1)}"
        if text.isdigit():
            return f"UPR{int(text)}" if rural else str(int(text))
    raise BoundaryImportError(
        f"Código de {spec.label} no reconocido: {raw!r} en el campo {spec.code_field}. "
        "Se esperan '01'..'20' para localidades y 'UPZ<n>' / 'UPR<n>' para UPZ. (Unrecognised code.)"
    )


def read_units(source: str, spec: LayerSpec) -> list[SourceUnit]:
    """Read and normalise every unit of one layer (MultiPolygon, EPSG:4326); raise on any defect."""
    where = str(source)
    try:
        ds = DataSource(_gdal_path(Path(source), spec) if not source.startswith("/vsi") else source)
    except GDALException as exc:
        raise BoundaryImportError(
            f"GDAL no pudo abrir el archivo de {spec.label} ({where}): ¿está truncado, dañado o no es un "
            "formato vectorial? Descárguelo de nuevo (`manage.py fetch_sources`). (Cannot open file.)"
        ) from exc
    if ds.layer_count == 0:
        raise BoundaryImportError(f"El archivo de {spec.label} ({where}) no tiene capas. (No layers.)")
    layer = ds[0]
    fields = {name.lower(): name for name in layer.fields}
    # The type field (UPlTipo) is optional: without it a unit is rural when its code starts with UPR.
    required = [spec.code_field, spec.name_field]
    missing = [name for name in required if name.lower() not in fields]
    if missing:
        raise BoundaryImportError(
            f"A la capa '{layer.name}' de {spec.label} ({where}) le falta el campo "
            f"{', '.join(missing)}; tiene {', '.join(layer.fields) or 'ninguno'}. ¿Es el archivo correcto? "
            "(Missing field.)"
        )
    geom_type = layer.geom_type.name.replace("25D", "")
    # "Unknown" is how GDAL reports a layer mixing Polygon and MultiPolygon; each feature is checked below.
    if geom_type not in ("Polygon", "MultiPolygon", "Unknown"):
        raise BoundaryImportError(
            f"La capa '{layer.name}' de {spec.label} ({where}) tiene geometrías {geom_type}; se esperaban "
            "polígonos. ¿Es la capa correcta? (Wrong geometry type.)"
        )
    srid = _layer_srid(layer, spec, where)
    code_field, name_field = fields[spec.code_field.lower()], fields[spec.name_field.lower()]
    type_field = fields.get(spec.type_field.lower()) if spec.type_field else None
    expected = layer.num_feat

    units: list[SourceUnit] = []
    try:
        for number, feature in enumerate(layer, start=1):
            ogr = feature.geom
            if ogr is None or ogr.geos.empty:
                raise BoundaryImportError(
                    f"La entidad {number} de {spec.label} ({where}) no tiene geometría: el archivo parece "
                    "truncado o dañado. Descárguelo de nuevo. (Feature without geometry.)"
                )
            if ogr.coord_dim != 2:  # the columns are 2D; heights (if any) carry no meaning here
                ogr.coord_dim = 2
            geom = ogr.geos
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise BoundaryImportError(
                    f"La entidad {number} de {spec.label} ({where}) es {geom.geom_type}; se esperaban "
                    "polígonos. (Wrong geometry type.)"
                )
            geom.srid = srid
            if srid != STORAGE_SRID:
                geom.transform(STORAGE_SRID)
            repaired_geometry = not geom.valid
            if repaired_geometry:
                geom = _polygonal(geom.make_valid())
                if geom is None or geom.empty:
                    raise BoundaryImportError(
                        f"La geometría de la entidad {number} de {spec.label} ({where}) no tiene área "
                        "válida. (Degenerate geometry.)"
                    )
            rural = False
            if type_field is not None:
                rural = str(feature[type_field].value).strip() in ("2", "2.0")
            code = _normalise_code(feature[code_field].value, spec, rural)
            rural = rural or code.startswith("UPR")
            raw_name = str(feature[name_field].value or "").strip()
            name = repair_mojibake(raw_name)
            units.append(
                SourceUnit(
                    code=code,
                    source_name=name,
                    geom=as_multipolygon(geom),
                    rural=rural,
                    repaired_text=name != raw_name,
                    repaired_geometry=repaired_geometry,
                )
            )
    except (GDALException, GEOSException) as exc:
        detail = str(exc).rstrip(".")
        raise BoundaryImportError(
            f"Error de lectura en {spec.label} ({where}) tras {len(units)} entidades: {detail}. El archivo "
            "parece truncado o dañado; descárguelo de nuevo. (Read error: truncated or corrupt file.)"
        ) from exc
    if len(units) != expected or not units:
        raise BoundaryImportError(
            f"Se leyeron {len(units)} de {expected} entidades de {spec.label} ({where}): el archivo está "
            "truncado o dañado. Descárguelo de nuevo. (Truncated file.)"
        )
    seen: dict[str, int] = {}
    for unit in units:
        seen[unit.code] = seen.get(unit.code, 0) + 1
    duplicated = sorted(code for code, count in seen.items() if count > 1)
    if duplicated:
        raise BoundaryImportError(
            f"Códigos repetidos en {spec.label} ({where}): {', '.join(duplicated)}. Use una versión del "
            "archivo con un polígono por unidad. (Duplicated codes.)"
        )
    return units


def fingerprint(localities: list[SourceUnit], upzs: list[SourceUnit]) -> str:
    """SHA-256 over the normalised content (codes, source names, rural flag, geometry at 1e-8°)."""
    digest = hashlib.sha256()
    for kind, units in (("locality", localities), ("upz", upzs)):
        for unit in sorted(units, key=lambda u: u.code):
            line = f"{kind}|{unit.code}|{unit.source_name}|{int(unit.rural)}|{unit.digest()}\n"
            digest.update(line.encode())
    return digest.hexdigest()


def _display_name(kind: str, unit: SourceUnit, warnings: list[str]) -> str:
    table = names_table()["localities" if kind == "locality" else "upz"]
    name = table.get(unit.code)
    if name:
        return name
    if unit.rural and unit.source_name.upper().startswith("UPR "):
        fallback = title_case_es(unit.source_name[4:])
    else:
        fallback = title_case_es(unit.source_name)
    warnings.append(
        f"El código {unit.code} ({unit.source_name}) no está en data/territory_names.toml; se usa "
        f"'{fallback}'. Añádalo a la tabla con tildes. (Code missing from the names table.)"
    )
    return fallback


def _changes(
    localities: list[SourceUnit], upzs: list[SourceUnit], active: BoundaryVersion | None
) -> list[str]:
    """Human-readable differences between the files and the active version."""
    if active is None:
        return [f"Primera versión: {len(localities)} localidades, {len(upzs)} UPZ/UPR nuevas."]
    changes = []
    for label, units, stored in (
        ("localidad", localities, active.localities.all()),
        ("UPZ/UPR", upzs, active.upzs.all()),
    ):
        old = {row.code: row for row in stored}
        new = {unit.code: unit for unit in units}
        for code in sorted(new.keys() - old.keys()):
            changes.append(f"{label} {code} nueva ({new[code].source_name})")
        for code in sorted(old.keys() - new.keys()):
            changes.append(f"{label} {code} ya no está en el archivo ({old[code].name})")
        for code in sorted(new.keys() & old.keys()):
            if geometry_digest(old[code].geom) != new[code].digest():
                changes.append(f"{label} {code}: cambia la geometría")
            if old[code].source_name != new[code].source_name:
                changes.append(
                    f"{label} {code}: nombre en la fuente '{old[code].source_name}' -> '{new[code].source_name}'"
                )
            if isinstance(old[code], Upz) and old[code].rural != new[code].rural:
                changes.append(f"{label} {code}: cambia el tipo urbano/rural")
    return changes or ["Mismas unidades y geometrías; cambia solo el contenido normalizado."]


def _area_km2(geom: MultiPolygon) -> float:
    """Area of an EPSG:4326 geometry in km², measured in EPSG:9377."""
    return geom.transform(METRIC_SRID, clone=True).area / 1_000_000


def _largest_overlap(version: BoundaryVersion, geom: MultiPolygon) -> Locality | None:
    """The locality of `version` sharing the largest area (EPSG:9377) with `geom`; ties go to the lowest code."""
    return (
        Locality.objects.filter(version=version, geom__intersects=geom)
        .annotate(overlap=Area(Transform(Intersection("geom", geom), METRIC_SRID)))
        .order_by("-overlap", "code")
        .first()
    )


def _write(
    *,
    localities: list[SourceUnit],
    upzs: list[SourceUnit],
    checksum: str,
    source: str,
    warnings: list[str],
    progress: Progress,
) -> BoundaryVersion:
    upr = sum(u.rural for u in upzs)
    version = BoundaryVersion.objects.create(
        source=source,
        checksum=checksum,
        active=False,
        note=f"{len(localities)} localidades, {len(upzs) - upr} UPZ y {upr} UPR",
    )
    progress(f"Versión {version.pk}: guardando {len(localities)} localidades…")
    Locality.objects.bulk_create(
        Locality(
            version=version,
            code=unit.code,
            name=_display_name("locality", unit, warnings),
            source_name=unit.source_name,
            area_km2=_area_km2(unit.geom),
            geom=unit.geom,
        )
        for unit in localities
    )
    progress(f"Asignando localidad a {len(upzs)} UPZ/UPR por mayor superposición (EPSG:9377)…")
    rows = []
    for index, unit in enumerate(
        sorted(upzs, key=lambda u: (u.rural, int(re.sub(r"\D", "", u.code) or 0))), 1
    ):
        locality = _largest_overlap(version, unit.geom)
        if locality is None:
            raise BoundaryImportError(
                f"La UPZ/UPR {unit.code} ({unit.source_name}) no se cruza con ninguna localidad: ¿los dos "
                "archivos son de la misma ciudad y del mismo sistema de referencia? (UPZ outside every locality.)"
            )
        rows.append(
            Upz(
                version=version,
                code=unit.code,
                name=_display_name("upz", unit, warnings),
                source_name=unit.source_name,
                rural=unit.rural,
                locality=locality,
                area_km2=_area_km2(unit.geom),
                geom=unit.geom,
            )
        )
        if index % 20 == 0:
            progress(f"  {index}/{len(upzs)}")
    Upz.objects.bulk_create(rows)
    progress("Subdividiendo polígonos para la localización rápida de puntos y activando la versión…")
    return boundary_version_activate(version=version)


class _DryRunRollback(Exception):
    pass


def import_boundaries(
    *,
    localities: str | None = None,
    upz: str | None = None,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import localities and UPZ/UPR (paths or URLs; default: BOGOTA_DATA_DIR or the cache) into EPSG:4326.

    Everything is read and checked before the first write, and the write is one transaction. With
    `commit=False` the import runs and is rolled back, so the result tells what would happen.
    """
    say = progress or (lambda message: None)
    if localities is None or upz is None:
        found = default_sources()
        localities = localities or found.localities
        upz = upz or found.upz
    with tempfile.TemporaryDirectory(prefix="convive-import-") as workdir:
        paths = {}
        for spec, given in ((LOCALITIES, localities), (UPZ, upz)):
            if is_url(given):
                say(f"Descargando {spec.label} de {given}…")
                try:
                    paths[spec.label] = str(_fetch(given, Path(workdir) / spec.option.strip("-")))
                except DownloadError as exc:
                    raise BoundaryImportError(str(exc)) from exc
            else:
                paths[spec.label] = str(given)
        say(f"Leyendo localidades de {localities}…")
        locality_units = read_units(paths[LOCALITIES.label], LOCALITIES)
        say(f"Leyendo UPZ/UPR de {upz}…")
        upz_units = read_units(paths[UPZ.label], UPZ)

    warnings = [
        f"Texto reparado (codificación): {u.code} '{u.source_name}'"
        for u in locality_units + upz_units
        if u.repaired_text
    ] + [
        f"Geometría inválida reparada (MakeValid): {u.code}"
        for u in locality_units + upz_units
        if u.repaired_geometry
    ]
    upr = sum(u.rural for u in upz_units)
    checksum = fingerprint(locality_units, upz_units)
    counts = {"localities": len(locality_units), "upz": len(upz_units) - upr, "upr": upr}
    active = BoundaryVersion.objects.filter(active=True).first()
    if active is not None and active.checksum == checksum:
        return ImportResult("unchanged", checksum, active, changes=[], warnings=warnings, **counts)
    changes = _changes(locality_units, upz_units, active)
    source = f"localidades: {localities}\nupz: {upz}"

    try:
        with transaction.atomic():
            earlier = BoundaryVersion.objects.select_for_update().filter(checksum=checksum).first()
            if earlier is not None:
                # The files went back to an earlier version: activate it again instead of duplicating it.
                say(f"El contenido coincide con la versión {earlier.pk}; se vuelve a activar.")
                boundary_version_activate(version=earlier)
                result = ImportResult(
                    "reactivated", checksum, earlier, changes=changes, warnings=warnings, **counts
                )
            else:
                version = _write(
                    localities=locality_units,
                    upzs=upz_units,
                    checksum=checksum,
                    source=source,
                    warnings=warnings,
                    progress=say,
                )
                result = ImportResult(
                    "created", checksum, version, changes=changes, warnings=warnings, **counts
                )
            if not commit:
                raise _DryRunRollback
    except _DryRunRollback:
        result.status = "dry-run"
        result.version = None
    return result
