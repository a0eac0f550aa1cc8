"""Broken inputs end with a message saying what to fix, and nothing is written.

The broken files are built in tmp_path from the real ones (needs BOGOTA_DATA_DIR or the cache).
"""

import json
import shutil
import zipfile

import geopandas
import pytest
from django.contrib.gis.gdal import SpatialReference
from django.core.management import CommandError, call_command

from localities.importers import (
    UPZ,
    BoundaryImportError,
    import_boundaries,
    read_units,
    repair_mojibake,
    title_case_es,
)
from localities.models import BoundaryVersion, Locality, Upz

pytestmark = pytest.mark.django_db


@pytest.fixture
def upz_copy(bogota_data_dir, tmp_path):
    """A writable copy of the UPla shapefile (all sidecars) in tmp_path."""
    folder = tmp_path / "upz"
    folder.mkdir()
    for source in (bogota_data_dir / "upz").glob("UPla.*"):
        shutil.copyfile(source, folder / source.name)
    return folder / "UPla.shp"


@pytest.fixture
def localities_json(bogota_data_dir):
    return json.loads((bogota_data_dir / "localidades.geojson").read_text(encoding="utf-8"))


def _nothing_written():
    return BoundaryVersion.objects.count(), Locality.objects.count(), Upz.objects.count()


def _assert_refused(match, **files):
    before = _nothing_written()
    with pytest.raises(BoundaryImportError, match=match):
        import_boundaries(commit=True, **files)
    assert _nothing_written() == before


@pytest.mark.realdata
def test_missing_file_names_the_file_and_the_option(bogota_data_dir, tmp_path):
    _assert_refused(
        r"No se encontró el archivo de localidades: .*no-hay\.geojson.*--localities",
        localities=str(tmp_path / "no-hay.geojson"),
        upz=str(bogota_data_dir / "upz" / "UPla.shp"),
    )


@pytest.mark.realdata
def test_truncated_geojson_is_refused(bogota_data_dir, tmp_path, upz_copy):
    data = (bogota_data_dir / "localidades.geojson").read_bytes()
    broken = tmp_path / "localidades.geojson"
    broken.write_bytes(data[: len(data) // 2])
    _assert_refused(r"truncado, dañado", localities=str(broken), upz=str(upz_copy))


@pytest.mark.realdata
def test_truncated_shapefile_is_refused_after_reading_part_of_it(bogota_data_dir, upz_copy):
    size = upz_copy.stat().st_size
    with open(upz_copy, "r+b") as fh:
        fh.truncate(size // 2)
    _assert_refused(
        r"truncado o dañado",
        localities=str(bogota_data_dir / "localidades.geojson"),
        upz=str(upz_copy),
    )


@pytest.mark.realdata
def test_unknown_crs_is_refused_with_the_accepted_list(bogota_data_dir, upz_copy):
    # Web Mercator is a real CRS, but not one the Bogotá files come in: refuse rather than guess.
    upz_copy.with_suffix(".prj").write_text(SpatialReference(3857).wkt)
    _assert_refused(
        r"Sistema de referencia desconocido en UPZ/UPR.*EPSG:4686",
        localities=str(bogota_data_dir / "localidades.geojson"),
        upz=str(upz_copy),
    )


@pytest.mark.realdata
def test_shapefile_without_prj_is_refused(bogota_data_dir, upz_copy):
    upz_copy.with_suffix(".prj").unlink()
    _assert_refused(
        r"no declara sistema de referencia",
        localities=str(bogota_data_dir / "localidades.geojson"),
        upz=str(upz_copy),
    )


@pytest.mark.realdata
def test_missing_field_is_named(localities_json, tmp_path, upz_copy):
    for feature in localities_json["features"]:
        feature["properties"]["Codigo"] = feature["properties"].pop("LocCodigo")
    broken = tmp_path / "localidades.geojson"
    broken.write_text(json.dumps(localities_json), encoding="utf-8")
    _assert_refused(r"le falta el campo LocCodigo", localities=str(broken), upz=str(upz_copy))


@pytest.mark.realdata
def test_wrong_layer_given_for_localities_is_refused(upz_copy):
    # The UPZ shapefile passed where the localities are expected: it has no LocCodigo.
    _assert_refused(r"le falta el campo LocCodigo, LocNombre", localities=str(upz_copy), upz=str(upz_copy))


@pytest.mark.realdata
def test_point_layer_is_refused_as_wrong_geometry_type(localities_json, tmp_path, upz_copy):
    for feature in localities_json["features"]:
        feature["geometry"] = {"type": "Point", "coordinates": [-74.1, 4.6]}
    broken = tmp_path / "puntos.geojson"
    broken.write_text(json.dumps(localities_json), encoding="utf-8")
    _assert_refused(r"geometrías Point; se esperaban polígonos", localities=str(broken), upz=str(upz_copy))


@pytest.mark.realdata
def test_duplicated_codes_are_refused(localities_json, tmp_path, upz_copy):
    localities_json["features"][1]["properties"]["LocCodigo"] = localities_json["features"][0]["properties"][
        "LocCodigo"
    ]
    broken = tmp_path / "localidades.geojson"
    broken.write_text(json.dumps(localities_json), encoding="utf-8")
    _assert_refused(r"Códigos repetidos en localidades", localities=str(broken), upz=str(upz_copy))


@pytest.mark.realdata
def test_command_turns_errors_into_command_error_and_writes_nothing(bogota_data_dir, tmp_path):
    before = _nothing_written()
    with pytest.raises(CommandError, match=r"(?s)No se encontró.*No se guardó nada"):
        call_command(
            "import_boundaries",
            "--commit",
            "--localities",
            str(tmp_path / "falta.geojson"),
            "--upz",
            str(bogota_data_dir / "upz" / "UPla.shp"),
        )
    assert _nothing_written() == before


@pytest.mark.realdata
def test_invalid_polygon_is_made_valid_and_an_unknown_code_gets_a_fallback_name(
    localities_json, tmp_path, upz_copy
):
    # Bowtie ring for Sumapaz (self-intersecting), and a code the names table does not know.
    for feature in localities_json["features"]:
        props = feature["properties"]
        if props["LocCodigo"] == "20":
            feature["geometry"] = {
                "type": "Polygon",
                "coordinates": [[[-74.4, 3.8], [-74.1, 4.1], [-74.1, 3.8], [-74.4, 4.1], [-74.4, 3.8]]],
            }
            props["LocCodigo"], props["LocNombre"] = "21", "LOCALIDAD DE PRUEBA"
    path = tmp_path / "localidades.geojson"
    path.write_text(json.dumps(localities_json), encoding="utf-8")
    result = import_boundaries(localities=str(path), upz=str(upz_copy), commit=True)

    assert "Geometría inválida reparada (MakeValid): 21" in result.warnings
    assert any("21" in w and "territory_names.toml" in w for w in result.warnings)
    unit = Locality.objects.get(version=result.version, code="21")
    assert unit.name == "Localidad de Prueba"
    assert unit.geom.valid and unit.geom.geom_type == "MultiPolygon" and len(unit.geom) == 2


def test_mojibake_is_repaired_only_where_it_applies():
    assert repair_mojibake("ANTONIO NARIÃ‘O") == "ANTONIO NARIÑO"
    assert repair_mojibake("ENGATIVA") == "ENGATIVA"
    assert repair_mojibake("Usaquén") == "Usaquén"
    assert title_case_es("PASEO DE LOS LIBERTADORES") == "Paseo de los Libertadores"


@pytest.mark.realdata
def test_projected_input_in_epsg_9377_reads_to_the_same_units(bogota_data_dir, tmp_path):
    projected = tmp_path / "upz_9377.geojson"
    geopandas.read_file(bogota_data_dir / "upz" / "UPla.shp").to_crs(9377).to_file(
        projected, driver="GeoJSON"
    )
    original = {u.code: u for u in read_units(str(bogota_data_dir / "upz" / "UPla.shp"), UPZ)}
    reread = {u.code: u for u in read_units(str(projected), UPZ)}
    assert reread.keys() == original.keys()
    for code, unit in reread.items():
        assert unit.geom.srid == 4326
        # Back in degrees, the same place: centroids agree to ~1e-6° (0.1 m).
        assert unit.geom.centroid.distance(original[code].geom.centroid) < 1e-6, code
        assert unit.rural == original[code].rural


def test_without_data_dir_or_cache_the_message_says_how_to_get_the_files(settings, tmp_path):
    settings.BOGOTA_DATA_DIR = ""
    settings.DATA_CACHE_DIR = tmp_path / "cache"
    before = _nothing_written()
    with pytest.raises(CommandError, match=r"(?s)BOGOTA_DATA_DIR.*fetch_sources.*No se guardó nada"):
        call_command("import_boundaries", "--commit")
    assert _nothing_written() == before


@pytest.mark.realdata
def test_default_sources_come_from_bogota_data_dir(settings, bogota_data_dir, capsys):
    settings.BOGOTA_DATA_DIR = str(bogota_data_dir)
    call_command("import_boundaries")  # dry run, files found without options
    out = capsys.readouterr().out
    assert str(bogota_data_dir / "upz" / "UPla.shp") in out
    assert "20 localidades, 112 UPZ y 4 UPR" in out


@pytest.mark.realdata
def test_zipped_shapefile_is_read_and_a_corrupt_zip_is_refused(bogota_data_dir, tmp_path):
    archive = tmp_path / "upla.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in (bogota_data_dir / "upz").glob("UPla.*"):
            zf.write(part, part.name)
    assert len(read_units(str(archive), UPZ)) == 116
    archive.write_bytes(archive.read_bytes()[:1000])
    with pytest.raises(BoundaryImportError, match="dañado o incompleto"):
        read_units(str(archive), UPZ)


@pytest.mark.realdata
def test_upper_case_fields_without_type_field_still_read(bogota_data_dir, tmp_path):
    # Other exports of the same layer (e.g. the SDSCJ service) spell fields UPLCODIGO/UPLNOMBRE.
    frame = geopandas.read_file(bogota_data_dir / "upz" / "UPla.shp").drop(columns=["UPlTipo"])
    frame.columns = [c.upper() if c != "geometry" else c for c in frame.columns]
    path = tmp_path / "upz.geojson"
    frame.to_file(path, driver="GeoJSON")
    units = read_units(str(path), UPZ)
    assert len(units) == 116
    assert {u.code for u in units if u.rural} == {"UPR1", "UPR3", "UPR4", "UPR5"}
