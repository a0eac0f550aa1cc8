"""Import of the official Bogotá boundaries (needs BOGOTA_DATA_DIR or the download cache).

The `real_territory` session fixture imports the real files once; these tests check what a user of
the platform would notice: counts, names, each UPZ's locality, areas, and that re-importing is safe.
"""

import csv
import functools
import http.server
import json
import threading
import unicodedata

import pytest
from django.core.management import call_command

from localities.importers import UPZ, import_boundaries, names_table, read_units
from localities.models import BoundaryVersion, Locality, LocalityPart, Upz, UpzPart

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def _files(data_dir):
    return {"localities": str(data_dir / "localidades.geojson"), "upz": str(data_dir / "upz" / "UPla.shp")}


def _plain(text: str) -> str:
    """Upper-case letters and digits only, accents removed: 'Chicó Lago' -> 'CHICOLAGO'."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if ch.isalnum()).upper()


def test_real_files_give_20_localities_112_upz_and_4_rural_upr(real_territory):
    assert BoundaryVersion.objects.get(active=True) == real_territory
    localities = Locality.objects.filter(version=real_territory)
    assert sorted(localities.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 21)]
    upz = Upz.objects.filter(version=real_territory)
    urban = set(upz.filter(rural=False).values_list("code", flat=True))
    assert len(urban) == 112
    assert urban == {str(n) for n in [1, 2, 3, *range(9, 118)]}
    assert set(upz.filter(rural=True).values_list("code", flat=True)) == {"UPR1", "UPR3", "UPR4", "UPR5"}


def test_every_geometry_is_a_valid_multipolygon_in_4326(real_territory):
    for model in (Locality, Upz):
        rows = model.objects.filter(version=real_territory)
        assert not rows.filter(geom__isvalid=False).exists()
        for row in rows:
            assert row.geom.srid == 4326 and row.geom.geom_type == "MultiPolygon"
            assert row.geom.extent[0] > -74.46 and row.geom.extent[2] < -73.98


def test_names_come_from_the_table_with_accents_and_repaired_encoding(real_territory):
    table = names_table()
    by_code = dict(Locality.objects.filter(version=real_territory).values_list("code", "name"))
    assert by_code == table["localities"]
    assert by_code["15"] == "Antonio Nariño"
    assert by_code["14"] == "Los Mártires"
    assert by_code["17"] == "La Candelaria"
    assert Locality.objects.get(version=real_territory, code="15").source_name == "ANTONIO NARIÑO"
    upz_names = dict(Upz.objects.filter(version=real_territory).values_list("code", "name"))
    assert upz_names == table["upz"]
    assert upz_names["97"] == "Chicó Lago"
    assert upz_names["105"] == "Jardín Botánico"
    assert upz_names["110"] == "Ciudad Salitre Occidental"
    assert upz_names["24"] == "Niza"


def test_names_table_covers_exactly_the_codes_of_the_file_and_matches_their_source_names(bogota_data_dir):
    units = read_units(_files(bogota_data_dir)["upz"], UPZ)
    table = names_table()["upz"]
    assert set(table) == {unit.code for unit in units}
    for unit in units:
        source = unit.source_name.removeprefix("UPR ") if unit.rural else unit.source_name
        # Catches a name written against the wrong code: only accents and punctuation may differ.
        assert _plain(table[unit.code]) == _plain(source), unit.code


def test_each_upz_belongs_to_the_locality_of_the_published_overlay(real_territory, bogota_data_dir):
    with open(bogota_data_dir / "upz" / "upz_localidad.csv", newline="", encoding="utf-8") as fh:
        expected = {
            row["UPlCodigo"].removeprefix("UPZ"): row["LocCodigo"].zfill(2) for row in csv.DictReader(fh)
        }
    got = dict(Upz.objects.filter(version=real_territory).values_list("code", "locality__code"))
    assert len(expected) == 116
    assert got == expected
    assert Upz.objects.filter(version=real_territory, locality__version=real_territory).count() == 116
    # Sumapaz has no urban UPZ, only rural units.
    assert set(
        Upz.objects.filter(version=real_territory, locality__code="20").values_list("code", flat=True)
    ) == {
        "UPR4",
        "UPR5",
    }


def test_areas_are_plausible_square_kilometres(real_territory):
    areas = dict(Locality.objects.filter(version=real_territory).values_list("code", "area_km2"))
    assert areas["20"] == pytest.approx(781, rel=0.01)  # Sumapaz, the rural south
    assert areas["17"] == pytest.approx(2.06, rel=0.02)  # La Candelaria
    assert sum(areas.values()) == pytest.approx(1636, rel=0.01)
    upz_areas = dict(Upz.objects.filter(version=real_territory).values_list("code", "area_km2"))
    assert upz_areas["97"] == pytest.approx(4.22, rel=0.02)  # Chicó Lago, UPlArea 4,224,476 m²
    assert upz_areas["UPR5"] == pytest.approx(421.3, rel=0.01)


def test_point_location_parts_are_built_for_the_imported_version(real_territory):
    assert LocalityPart.objects.filter(version=real_territory).count() >= 20
    assert UpzPart.objects.filter(version=real_territory).count() >= 116


def test_reimporting_the_same_files_changes_nothing(real_territory, bogota_data_dir):
    ids_before = set(Upz.objects.values_list("id", flat=True))
    versions_before = BoundaryVersion.objects.count()
    result = import_boundaries(**_files(bogota_data_dir), commit=True)
    assert result.status == "unchanged"
    assert result.version == real_territory
    assert BoundaryVersion.objects.count() == versions_before
    assert set(Upz.objects.values_list("id", flat=True)) == ids_before


def test_command_reports_no_changes_and_if_empty_skips(real_territory, bogota_data_dir, capsys):
    files = _files(bogota_data_dir)
    call_command("import_boundaries", "--commit", "--localities", files["localities"], "--upz", files["upz"])
    assert "Sin cambios" in capsys.readouterr().out
    call_command("import_boundaries", "--commit", "--if-empty", "--localities", "/no/existe.geojson")
    assert "Ya hay límites cargados" in capsys.readouterr().out
    assert BoundaryVersion.objects.filter(active=True).get() == real_territory


def _modified_localities(bogota_data_dir, tmp_path):
    """A copy of localidades.geojson where Bosa (07) lost its last polygon vertex."""
    data = json.loads((bogota_data_dir / "localidades.geojson").read_text(encoding="utf-8"))
    for feature in data["features"]:
        if feature["properties"]["LocCodigo"] == "07":
            ring = feature["geometry"]["coordinates"][0][0]
            del ring[-2]
    path = tmp_path / "localidades.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_modified_input_creates_a_new_active_version_and_keeps_the_old_rows(
    real_territory, bogota_data_dir, tmp_path
):
    old_ids = set(Locality.objects.filter(version=real_territory).values_list("id", flat=True))
    path = _modified_localities(bogota_data_dir, tmp_path)
    result = import_boundaries(localities=str(path), upz=_files(bogota_data_dir)["upz"], commit=True)

    assert result.status == "created"
    assert result.changes == ["localidad 07: cambia la geometría"]
    new = BoundaryVersion.objects.get(active=True)
    assert new == result.version and new != real_territory
    real_territory.refresh_from_db()
    assert not real_territory.active
    assert set(Locality.objects.filter(version=real_territory).values_list("id", flat=True)) == old_ids
    assert Locality.objects.filter(version=new).count() == 20
    assert Upz.objects.filter(version=new, locality__version=new).count() == 116
    assert UpzPart.objects.filter(version=new).exists()

    # Going back to the original files re-activates the original version instead of duplicating it.
    again = import_boundaries(**_files(bogota_data_dir), commit=True)
    assert again.status == "reactivated" and again.version == real_territory
    assert BoundaryVersion.objects.get(active=True) == real_territory


def test_dry_run_reports_changes_and_writes_nothing(real_territory, bogota_data_dir, tmp_path, capsys):
    counts = (
        BoundaryVersion.objects.count(),
        Locality.objects.count(),
        Upz.objects.count(),
        UpzPart.objects.count(),
    )
    path = _modified_localities(bogota_data_dir, tmp_path)
    call_command("import_boundaries", "--localities", str(path), "--upz", _files(bogota_data_dir)["upz"])
    out = capsys.readouterr().out
    assert "Simulación" in out and "localidad 07: cambia la geometría" in out
    after = (
        BoundaryVersion.objects.count(),
        Locality.objects.count(),
        Upz.objects.count(),
        UpzPart.objects.count(),
    )
    assert after == counts
    assert BoundaryVersion.objects.get(active=True) == real_territory


def test_files_can_be_given_as_urls(real_territory, bogota_data_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(bogota_data_dir / "upz"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        result = import_boundaries(
            localities=(bogota_data_dir / "localidades.geojson").as_uri(),
            upz=f"http://127.0.0.1:{httpd.server_address[1]}/UPla.shp",  # .shx/.dbf/.prj fetched alongside
            commit=True,
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.status == "unchanged" and result.version == real_territory
