"""Importers of the official service files: CAI 2022 (+ 2019 enrichment), police stations,
comisarías de familia, inspecciones de policía (2017 snapshot).

Each reader returns normalised ServiceRow objects (points in EPSG:4326) and warnings; `import_dataset`
fingerprints them and writes through justice.importers.base. See PROVENANCE.md of the data folder for
the defects handled here.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from django.utils.text import slugify

from localities.importers import title_case_es

from ..models import Dataset, ServiceKind
from ..parsing import name_key
from .base import (
    DatasetSource,
    DirectoryImportError,
    ImportResult,
    Progress,
    ServiceRow,
    check_unique_codes,
    checksum_of,
    default_path,
    fetch_if_url,
    locality_code,
    locality_code_by_name,
    locality_display,
    open_layer,
    run_import,
    text,
    workdir,
    write_service_rows,
)

SOURCES = {
    Dataset.CAI_2022: DatasetSource(
        "CAI 2022", "--cai", ("servicios/cai_2022/comandoatencioninmediata.shp",), manifest_name="cai"
    ),
    "cai_2019": DatasetSource("CAI 2019 (enriquecimiento)", "--cai-2019", ("servicios/cai_2019.geojson",)),
    Dataset.POLICE_STATIONS: DatasetSource(
        "estaciones de policía", "--stations", ("servicios/estaciones_policia.geojson",), "estaciones_policia"
    ),
    Dataset.FAMILY_COMMISSARIES: DatasetSource(
        "comisarías de familia", "--commissaries", ("servicios/comisarias_familia.geojson",)
    ),
    Dataset.POLICE_INSPECTIONS_2017: DatasetSource(
        "inspecciones de policía",
        "--inspections",
        ("servicios/inspecciones_policia_2017.geojson",),
        "inspecciones_policia",
    ),
}


def _year(value) -> int | None:
    """A year from a date, an epoch in milliseconds, an ISO timestamp or a bare year."""
    if value in (None, ""):
        return None
    if isinstance(value, (date, datetime)):
        return value.year
    if isinstance(value, (int, float)):
        if 1990 <= value <= 2100:
            return int(value)
        if value > 10**11:  # epoch milliseconds (ArcGIS JSON exports)
            return datetime.fromtimestamp(value / 1000, tz=UTC).year
        return None
    match = re.match(r"(\d{4})", str(value))
    return int(match.group(1)) if match else None


def _note(year: int | None, old_from: int = 2020) -> str:
    if year is None:
        return "Fecha de los datos desconocida: confirme dirección y horario antes de ir."
    if year < old_from:
        return f"Datos de {year}: la dirección, el teléfono o el horario pueden haber cambiado."
    return f"Datos de {year}."


def _point(geom, label: str, number: int):
    if geom.geom_type == "MultiPoint" and len(geom) == 1:
        geom = geom[0]
    if geom.geom_type != "Point":
        raise DirectoryImportError(f"La entidad {number} de {label} no es un punto. (Not a point.)")
    return geom


def _email(value: str) -> str:
    value = value.strip().lower()
    return value if re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", value) else ""


# ---------------------------------------------------------------------------------------------------
# CAI
# ---------------------------------------------------------------------------------------------------

# The 2019 layer has a few doubled domains ("…@policia.gov.coov.co"): only addresses of the police
# domain, written correctly, are taken from it.
POLICE_EMAIL = re.compile(r"[\w.-]+@policia\.gov\.co")


@dataclass
class Enrichment:
    email: str
    station_code: str


def read_cai_2019(path: str, warnings: list[str]) -> dict[str, Enrichment]:
    """{name key: e-mail and station–CAI code} of the 2019 CAI layer; ambiguous names are left out."""
    layer = open_layer(
        path, "CAI 2019", geom_types={"Point"}, required=["CAIDESCRIP", "CAICPOLICI", "CAICELECTR"]
    )
    found: dict[str, list[Enrichment]] = {}
    for attrs, _geom in layer.features:
        key = name_key(text(attrs, "CAIDESCRIP"), "cai")
        email = text(attrs, "CAICELECTR").lower()
        if email and not POLICE_EMAIL.fullmatch(email):
            warnings.append(
                f"CAI 2019 «{text(attrs, 'CAIDESCRIP')}»: correo mal escrito ({email}), no se usa."
            )
            email = ""
        found.setdefault(key, []).append(Enrichment(email=email, station_code=text(attrs, "CAICPOLICI")))
    ambiguous = sorted(key for key, items in found.items() if len(items) > 1)
    if ambiguous:
        warnings.append(
            f"CAI 2019: {len(ambiguous)} nombres repetidos no se usan para enriquecer ({', '.join(ambiguous)})."
        )
    return {key: items[0] for key, items in found.items() if len(items) == 1}


def read_cai_2022(path: str, enrichment: dict[str, Enrichment], warnings: list[str]) -> list[ServiceRow]:
    """CAI of the 2022 layer (SHP, EPSG:4686), enriched with the 2019 e-mail and station code by name."""
    label = "CAI 2022"
    layer = open_layer(
        path,
        label,
        geom_types={"Point", "MultiPoint"},
        required=["CAINOMBRE", "CAIDIR_SIT", "CAITELEFON", "CAIIULOCAL", "CAIIDENTIF", "CAIHORARIO"],
    )
    rows, enriched = [], 0
    for number, (attrs, geom) in enumerate(layer.features, start=1):
        name = text(attrs, "CAINOMBRE") or text(attrs, "CAIDESCRIP")
        identifier = text(attrs, "CAIIDENTIF")
        if not name or not identifier:
            raise DirectoryImportError(f"El CAI {number} no tiene nombre o CAIIDENTIF. (Missing name or id.)")
        extra = enrichment.get(name_key(name, "cai"))
        enriched += extra is not None
        station = re.match(r"E\d+", identifier.upper())
        year = _year(attrs.get("caianio_ge")) or _year(attrs.get("caifecha_c"))
        upz = text(attrs, "CAIIUUPLAN").upper()
        rows.append(
            ServiceRow(
                # CAIIDENTIF repeats (two pairs in 2022); the CAI name is unique in the layer.
                code=slugify(f"cai-{name_key(name, 'cai')}"),
                kind=ServiceKind.CAI,
                name=name if name.lower().startswith("cai") else f"CAI {name}",
                point=_point(geom, label, number),
                address=text(attrs, "CAIDIR_SIT"),
                phone_text=text(attrs, "CAITELEFON"),
                schedule_text=text(attrs, "CAIHORARIO"),
                email=(extra.email if extra and extra.email else _email(text(attrs, "CAICELECTR"))),
                website=text(attrs, "CAIPWEB") if text(attrs, "CAIPWEB").startswith("http") else "",
                station_code=(
                    extra.station_code
                    if extra and extra.station_code
                    else (station.group(0) if station else "")
                ),
                source_locality_code=locality_code(text(attrs, "CAIIULOCAL")),
                source_upz_code=upz,
                data_year=year,
                data_note=_note(year),
            )
        )
        if upz and not re.fullmatch(r"UPZ\d{1,3}|UPR\d", upz) or upz in ("UPZ990", "UPZ994", "UPZ995"):
            warnings.append(f"{name}: código de UPZ de la fuente {upz} no es una UPZ (zona rural o vecina).")
        if not text(attrs, "CAITELEFON"):
            warnings.append(f"{name}: sin teléfono en la fuente.")
    identifiers = [text(attrs, "CAIIDENTIF") for attrs, _ in layer.features]
    repeated = sorted({i for i in identifiers if identifiers.count(i) > 1})
    if repeated:
        warnings.append(f"CAI 2022: CAIIDENTIF repetido en {', '.join(repeated)}; se identifican por nombre.")
    warnings.append(
        f"CAI 2019: {enriched} de {len(rows)} CAI enriquecidos por nombre (correo, código policial)."
    )
    return rows


# ---------------------------------------------------------------------------------------------------
# Police stations
# ---------------------------------------------------------------------------------------------------

_STATION_PREFIX = re.compile(r"^estaci[oó]n de polic[ií]a\s+(de\s+)?", re.IGNORECASE)
# Accents misplaced in the source names (PROVENANCE.md): 'Los Martirés', 'San Cristobál', 'La Candelaría'.
_STATION_NAME_FIXES = {"martirés": "mártires", "cristobál": "cristóbal", "candelaría": "candelaria"}


def _station_name(raw: str) -> str:
    """'Estación de Policía de San Cristobál' -> 'Estación de Policía San Cristóbal' (locality spelling)."""
    place = _STATION_PREFIX.sub("", raw.strip())
    place = " ".join(_STATION_NAME_FIXES.get(word.lower(), word) for word in place.split())
    code = locality_code_by_name(place)
    return f"Estación de Policía {locality_display(code) if code else title_case_es(place)}"


def read_stations(path: str, warnings: list[str]) -> list[ServiceRow]:
    """Police stations (GeoJSON, EPSG:4686); station code E<n> from the station's MEBOG e-mail."""
    label = "estaciones de policía"
    layer = open_layer(
        path, label, geom_types={"Point"}, required=["EPONOMBRE", "EPODIR_SITIO", "EPOTELEFON", "EPOIULOCAL"]
    )
    rows = []
    for number, (attrs, geom) in enumerate(layer.features, start=1):
        raw = text(attrs, "EPONOMBRE")
        email = _email(text(attrs, "EPOCELECTR"))
        station = re.match(r"mebog\.e(\d+)@", email)
        identifier = text(attrs, "EPOIDENTIF") or f"{number}"
        year = _year(attrs.get("epofecha_c")) or _year(attrs.get("epoanio_geo"))
        rows.append(
            ServiceRow(
                code=slugify(f"estacion-{identifier}"),
                kind=ServiceKind.POLICE_STATION,
                name=_station_name(raw),
                point=_point(geom, label, number),
                address=text(attrs, "EPODIR_SITIO"),
                phone_text=text(attrs, "EPOTELEFON"),
                schedule_text=text(attrs, "EPOHORARIO"),
                email=email,
                website=text(attrs, "EPOPWEB") if text(attrs, "EPOPWEB").startswith("http") else "",
                station_code=f"E{int(station.group(1)):02d}" if station else "",
                name_locality_code=locality_code_by_name(_STATION_PREFIX.sub("", raw.strip())),
                source_locality_code=locality_code(text(attrs, "EPOIULOCAL")),
                source_upz_code=text(attrs, "EPOIUUPLAN").upper(),
                data_year=year,
                data_note=_note(year),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# Comisarías de familia (no name column)
# ---------------------------------------------------------------------------------------------------


def read_commissaries(path: str, warnings: list[str]) -> list[ServiceRow]:
    """Comisarías de familia (GeoJSON, CRS84). The file has no name: each is named from locality and address."""
    label = "comisarías de familia"
    layer = open_layer(
        path, label, geom_types={"Point"}, required=["OSSDIRECCI", "OSSTELEFON", "OSSHORARIO", "LOCNOMBRE"]
    )
    rows = []
    for number, (attrs, geom) in enumerate(layer.features, start=1):
        address = text(attrs, "OSSDIRECCI")
        locality_name = text(attrs, "LOCNOMBRE")
        code = locality_code_by_name(locality_name)
        if not code:
            warnings.append(f"Comisaría {number}: localidad «{locality_name}» no reconocida.")
        place = locality_display(code) if code else title_case_es(locality_name)
        rows.append(
            ServiceRow(
                code=slugify(f"comisaria-{code or locality_name}-{address}")[:80],
                kind=ServiceKind.FAMILY_COMMISSARY,
                name=f"Comisaría de Familia de {place} ({address})",
                point=_point(geom, label, number),
                address=address,
                phone_text=text(attrs, "OSSTELEFON"),
                schedule_text=text(attrs, "OSSHORARIO"),
                source_locality_code=code,
                data_year=None,
                data_note="Datos de 2021 o anteriores (SDIS, fecha exacta desconocida): confirme antes de ir.",
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# Inspecciones de policía (2017 snapshot)
# ---------------------------------------------------------------------------------------------------

_INSPECTION_PREFIX = re.compile(r"^inspecci[oó]n(es)? de polic[ií]a\s+(de\s+)?", re.IGNORECASE)


def read_inspections(path: str, warnings: list[str]) -> list[ServiceRow]:
    """Inspecciones de policía (the 2017 OpenDataSoft snapshot, CRS84): one per locality, marked as old."""
    label = "inspecciones de policía"
    layer = open_layer(path, label, geom_types={"Point"}, required=["iponombre", "ipodirecci", "ipotelefon"])
    rows = []
    for number, (attrs, geom) in enumerate(layer.features, start=1):
        raw = text(attrs, "iponombre")
        place = _INSPECTION_PREFIX.sub("", raw)
        code = locality_code_by_name(place)
        if not code:
            warnings.append(f"Inspección «{raw}»: no se reconoce la localidad del nombre.")
        year = _year(attrs.get("record_timestamp")) or _year(attrs.get("ipofecha_c"))
        identifier = text(attrs, "objectid") or str(number)
        rows.append(
            ServiceRow(
                code=slugify(f"inspeccion-{identifier}"),
                kind=ServiceKind.POLICE_INSPECTION,
                name=f"Inspección de Policía de {locality_display(code) if code else title_case_es(place)}",
                point=_point(geom, label, number),
                address=text(attrs, "ipodirecci"),
                phone_text=text(attrs, "ipotelefon"),
                source_locality_code=code,
                data_year=year,
                data_note=_note(year),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------


def import_dataset(
    dataset: str,
    *,
    path: str | None = None,
    cai_2019: str | None = None,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one official service dataset (path or URL; default BOGOTA_DATA_DIR or the cache) as points
    in EPSG:4326 with locality and UPZ from the active boundaries. Dry run unless `commit`."""
    say = progress or (lambda message: None)
    if dataset not in SOURCES or dataset == "cai_2019":
        raise DirectoryImportError(f"Conjunto de datos desconocido: {dataset}. (Unknown dataset.)")
    warnings: list[str] = []
    with workdir() as tmp:
        given = path or default_path(SOURCES[dataset])
        local = fetch_if_url(given, Path(tmp), SOURCES[dataset].label)
        say(f"Leyendo {SOURCES[dataset].label} de {given}…")
        if dataset == Dataset.CAI_2022:
            enrich_from = cai_2019
            if enrich_from is None:
                try:
                    enrich_from = default_path(SOURCES["cai_2019"])
                except DirectoryImportError:
                    warnings.append("No se encontró la capa CAI 2019: los CAI quedan sin su correo propio.")
            enrichment = {}
            if enrich_from:
                enrichment = read_cai_2019(fetch_if_url(enrich_from, Path(tmp), "CAI 2019"), warnings)
            rows = read_cai_2022(local, enrichment, warnings)
            given = f"{given}\ncai_2019: {enrich_from or '-'}"
        elif dataset == Dataset.POLICE_STATIONS:
            rows = read_stations(local, warnings)
        elif dataset == Dataset.FAMILY_COMMISSARIES:
            rows = read_commissaries(local, warnings)
        else:
            rows = read_inspections(local, warnings)
    check_unique_codes(rows, SOURCES[dataset].label)
    checksum = checksum_of(row.fingerprint_line() for row in rows)
    return run_import(
        dataset=dataset,
        source=given,
        checksum=checksum,
        rows=len(rows),
        warnings=warnings,
        write=lambda record, result: write_service_rows(
            rows=rows, dataset=dataset, record=record, result=result, progress=say
        ),
        commit=commit,
    )
