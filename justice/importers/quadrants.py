"""Import of the police quadrants (cuadrantes, SDSCJ/MEBOG 2022): polygons with station, CAI and phone.

Polygons are made valid and stored as MultiPolygons in EPSG:4326. Each quadrant is linked to its
station (by the station number, `PCUIEPOLIC` 'E-19' ↔ the station's code E19) and to its CAI (by
name within the station, then by name alone when unique); quadrants whose CAI or station is not in
the directory keep the names of the file and are counted in the warnings. Import the CAI and the
stations first.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import MultiPolygon, Polygon

from geo.spatial import as_multipolygon

from ..models import Dataset, PoliceQuadrant, ServiceKind, ServicePoint
from ..parsing import name_key
from .base import (
    FINGERPRINT_WKT,
    DatasetSource,
    DirectoryImportError,
    ImportResult,
    Progress,
    checksum_of,
    default_path,
    fetch_if_url,
    locality_code,
    open_layer,
    run_import,
    text,
    workdir,
)
from .official import _year

SOURCE = DatasetSource(
    "cuadrantes de policía",
    "--quadrants",
    ("servicios/cuadrantes_policia_2022/cuadrantepolicia.shp",),
    manifest_name="cuadrantes_policia",
)


@dataclass
class QuadrantRow:
    code: str
    number: str
    station_code: str
    station_name: str
    cai_name: str
    phone: str
    source_locality_code: str
    data_year: int | None
    geom: MultiPolygon

    def fingerprint_line(self) -> str:
        fields = (self.code, self.number, self.station_code, self.station_name, self.cai_name, self.phone)
        return f"{fields}|{self.source_locality_code}|{self.data_year}|{FINGERPRINT_WKT.write(self.geom).decode()}\n"


def _station_code(raw: str) -> str:
    match = re.fullmatch(r"E-?0*(\d+)", raw.strip().upper())
    return f"E{int(match.group(1)):02d}" if match else ""


def _valid(geom, code: str, warnings: list[str]) -> MultiPolygon:
    if geom.valid:
        return as_multipolygon(geom)
    repaired = geom.make_valid()
    polygons = [
        g for g in (repaired if repaired.geom_type != "Polygon" else [repaired]) if isinstance(g, Polygon)
    ]
    if not polygons:
        raise DirectoryImportError(f"El cuadrante {code} no tiene un polígono válido. (Degenerate geometry.)")
    warnings.append(f"Cuadrante {code}: geometría inválida reparada (MakeValid).")
    return MultiPolygon(polygons, srid=geom.srid)


def read_quadrants(path: str, warnings: list[str]) -> list[QuadrantRow]:
    """Quadrants of the SDSCJ layer (SHP, EPSG:4686) as MultiPolygons in EPSG:4326."""
    layer = open_layer(
        path,
        SOURCE.label,
        geom_types={"Polygon", "MultiPolygon"},
        required=["PCUCODIGO", "PCUNOMEST", "PCUNOMCAI", "PCUTELEFON", "PCUIEPOLIC"],
    )
    rows = []
    for number, (attrs, geom) in enumerate(layer.features, start=1):
        code = text(attrs, "PCUCODIGO")
        if not code:
            raise DirectoryImportError(f"El cuadrante {number} no tiene PCUCODIGO. (Missing code.)")
        rows.append(
            QuadrantRow(
                code=code,
                number=text(attrs, "PCUIDENTIF") or text(attrs, "PCUCLAVE"),
                station_code=_station_code(text(attrs, "PCUIEPOLIC")),
                station_name=text(attrs, "PCUNOMEST"),
                cai_name=text(attrs, "PCUNOMCAI"),
                phone=text(attrs, "PCUTELEFON"),
                source_locality_code=locality_code(text(attrs, "PCUIULOCAL")),
                data_year=_year(attrs.get("pcuanio_ge")) or _year(attrs.get("pcufecha_c")),
                geom=_valid(geom, code, warnings),
            )
        )
    repeated = sorted({r.code for r in rows if sum(1 for o in rows if o.code == r.code) > 1})
    if repeated:
        raise DirectoryImportError(f"Cuadrantes repetidos: {', '.join(repeated)}. (Duplicated codes.)")
    return rows


_ARTICLES = {"el", "la", "las", "los", "de", "del"}
_NUMBER_WORDS = {"veinte": "20", "siete": "7", "primero": "1"}


def _cai_key(name: str) -> str:
    """CAI names as the quadrant file writes them ('LOS LACHES', 'VEINTE DE JULIO') and as the CAI layer
    does ('CAI Laches', 'CAI 20 de Julio') reduced to the same key: no prefix, articles or number words."""
    words = name_key(name, "cai").split()
    return " ".join(_NUMBER_WORDS.get(w, w) for w in words if w not in _ARTICLES)


def _station_number(code: str) -> str:
    match = re.match(r"E-?0*(\d+)", code.upper())
    return match.group(1) if match else ""


def _links(rows: list[QuadrantRow]) -> tuple[dict[str, tuple], list[str]]:
    """{quadrant code: (CAI, station)} from the current directory, and warnings about missing links."""
    stations = {}
    for station in ServicePoint.objects.current().of_kind(ServiceKind.POLICE_STATION):
        if station.station_code:
            stations[_station_number(station.station_code)] = station
    cais_by_station: dict[tuple[str, str], list[ServicePoint]] = {}
    cais_by_name: dict[str, list[ServicePoint]] = {}
    for cai in ServicePoint.objects.current().of_kind(ServiceKind.CAI):
        key = _cai_key(cai.name)
        cais_by_station.setdefault((_station_number(cai.station_code), key), []).append(cai)
        cais_by_name.setdefault(key, []).append(cai)
    links, no_cai, no_station = {}, [], []
    for row in rows:
        key = _cai_key(row.cai_name)
        candidates = (
            cais_by_station.get((_station_number(row.station_code), key)) or cais_by_name.get(key) or []
        )
        cai = candidates[0] if len(candidates) == 1 else None
        station = stations.get(_station_number(row.station_code))
        if cai is None:
            no_cai.append(row.cai_name)
        if station is None:
            no_station.append(row.station_name)
        links[row.code] = (cai, station)
    warnings = []
    if no_cai:
        names = sorted(set(no_cai))
        warnings.append(
            f"{len(no_cai)} cuadrantes sin CAI enlazado en el directorio ({len(names)} nombres: "
            f"{', '.join(names[:15])}{'…' if len(names) > 15 else ''}); se muestra el nombre del archivo."
        )
    if no_station:
        warnings.append(
            f"{len(no_station)} cuadrantes sin estación enlazada ({', '.join(sorted(set(no_station)))}); "
            "¿se importaron las estaciones?"
        )
    return links, warnings


def _write(rows: list[QuadrantRow], links: dict[str, tuple], record, result: ImportResult) -> None:
    existing = {q.code: q for q in PoliceQuadrant.objects.filter(code__in=[r.code for r in rows])}
    for row in rows:
        cai, station = links[row.code]
        values = {
            "number": row.number,
            "station_name": row.station_name,
            "cai_name": row.cai_name,
            "phone": row.phone,
            "station": station,
            "cai": cai,
            "source_locality_code": row.source_locality_code,
            "geom": row.geom,
            "data_year": row.data_year,
            "active": True,
        }
        quadrant = existing.get(row.code)
        if quadrant is None:
            PoliceQuadrant.objects.create(code=row.code, last_import=record, **values)
            result.created += 1
        else:
            changed = any(getattr(quadrant, k) != v for k, v in values.items())
            for key, value in values.items():
                setattr(quadrant, key, value)
            quadrant.last_import = record
            quadrant.save()
            result.updated += int(changed)
    result.withdrawn = (
        PoliceQuadrant.objects.filter(active=True)
        .exclude(code__in=[r.code for r in rows])
        .update(active=False)
    )


def import_quadrants(
    *, path: str | None = None, commit: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import the police quadrants (path or URL; default BOGOTA_DATA_DIR or the cache) as EPSG:4326
    MultiPolygons linked to their station and CAI. Dry run unless `commit`."""
    say = progress or (lambda message: None)
    warnings: list[str] = []
    with workdir() as tmp:
        given = path or default_path(SOURCE)
        say(f"Leyendo cuadrantes de {given}…")
        rows = read_quadrants(fetch_if_url(given, Path(tmp), SOURCE.label), warnings)
    links, link_warnings = _links(rows)
    warnings += link_warnings
    # The links are part of the content: importing the CAI after the quadrants changes the fingerprint.
    checksum = checksum_of(
        row.fingerprint_line() + "|".join(getattr(p, "code", "-") for p in links[row.code]) for row in rows
    )
    return run_import(
        dataset=Dataset.QUADRANTS_2022,
        source=given,
        checksum=checksum,
        rows=len(rows),
        warnings=warnings,
        write=lambda record, result: _write(rows, links, record, result),
        commit=commit,
    )
