"""Imports of the official service files and quadrants (the real files of BOGOTA_DATA_DIR)."""

import pytest
from django.core.management import call_command

from justice.models import DirectoryImport, PoliceQuadrant, ServiceKind, ServicePoint

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]


def _current(kind):
    return ServicePoint.objects.current().filter(kind=kind)


def test_counts_match_the_official_files(real_directory):
    assert _current(ServiceKind.CAI).count() == 153
    assert _current(ServiceKind.POLICE_STATION).count() == 21
    assert _current(ServiceKind.FAMILY_COMMISSARY).count() == 34
    assert _current(ServiceKind.POLICE_INSPECTION).count() == 18
    assert PoliceQuadrant.objects.current().count() == 579


def test_every_point_gets_its_locality_and_the_known_disagreements_are_kept(real_directory):
    assert not ServicePoint.objects.current().filter(locality__isnull=True).exists()
    disagreeing = {
        p.name: (p.source_locality_code, p.locality.code)
        for p in ServicePoint.objects.current().select_related("locality")
        if p.locality_disagrees
    }
    # PROVENANCE.md: CAI Juan Rey coded 04 lies in 05; CAI La Calera coded 02 lies in 01.
    assert disagreeing == {"CAI Juan Rey": ("04", "05"), "CAI La Calera": ("02", "01")}


def test_the_import_reports_the_disagreements(real_directory):
    from justice.models import Dataset

    cai = DirectoryImport.objects.filter(dataset=Dataset.CAI_2022).first()
    stations = DirectoryImport.objects.filter(dataset=Dataset.POLICE_STATIONS).first()
    assert any("CAI Juan Rey" in w and "04" in w and "05" in w for w in cai.warnings)
    assert any("CAI La Calera" in w for w in cai.warnings)
    # 'Estación de Teusaquillo' is coded 02 and lies in Chapinero: the name disagrees, and is reported.
    assert any("Teusaquillo" in w and "02" in w for w in stations.warnings)


def test_cai_are_enriched_from_2019_but_bad_addresses_are_not_taken(real_directory):
    bolivia = ServicePoint.objects.get(name="CAI Bolivia")
    assert bolivia.email == "mebog.cai-bolivia@policia.gov.co"
    assert bolivia.station_code.startswith("E17")
    # The 2019 e-mail of CAI Las Ferias has a doubled domain: the 2022 station address is kept instead.
    ferias = ServicePoint.objects.get(name="CAI Las Ferias")
    assert not ferias.email.endswith("coov.co")
    assert ferias.email.endswith("@policia.gov.co")


def test_phones_and_schedules_are_structured_and_the_text_kept(real_directory):
    cai = ServicePoint.objects.get(name="CAI Bolivia")
    assert cai.phones == [{"number": "+573103854262", "display": "310 385 4262", "extension": ""}]
    assert cai.schedule == [{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "24:00"}]
    commissary = _current(ServiceKind.FAMILY_COMMISSARY).get(address="CL 159 7 F 28")
    assert commissary.schedule_text == "LUNES A VIERNES 7:00 AM - 11:00 PM"
    assert commissary.schedule == [{"days": [0, 1, 2, 3, 4], "opens": "07:00", "closes": "23:00"}]
    assert commissary.phones[0]["number"] == "+576013808330"
    assert commissary.phones[0]["extension"] == "opcion 4"


def test_commissaries_are_named_from_locality_and_address(real_directory):
    names = set(_current(ServiceKind.FAMILY_COMMISSARY).values_list("name", flat=True))
    assert "Comisaría de Familia de Kennedy (KR 87 5 41)" in names
    assert "Comisaría de Familia de Kennedy (KR 87 5 41 PI 3)" in names
    assert "Comisaría de Familia de Sumapaz (VEREDA SANTA ROSA CORREGIMIENTO DE NAZARETH)" in names
    assert len(names) == 34


def test_inspections_are_marked_as_a_2017_snapshot(real_directory):
    inspections = _current(ServiceKind.POLICE_INSPECTION)
    assert set(inspections.values_list("data_year", flat=True)) == {2017}
    assert all(note.startswith("Datos de 2017") for note in inspections.values_list("data_note", flat=True))
    codes = set(inspections.values_list("locality__code", flat=True))
    assert "17" not in codes and "20" not in codes and len(codes) == 18


def test_quadrants_are_linked_to_their_station_and_cai(real_directory):
    quadrants = PoliceQuadrant.objects.current()
    assert not quadrants.filter(station__isnull=True).exists()
    # Most CAI names of the quadrant file match the CAI layer; the rest keep the file's name.
    assert quadrants.filter(cai__isnull=False).count() >= 550
    quadrant = quadrants.get(code="E19C03011")
    assert quadrant.phone == "3002020432"
    assert quadrant.station.name == "Estación de Policía Ciudad Bolívar"


def test_reimporting_the_same_files_changes_nothing(real_directory, capsys):
    before = DirectoryImport.objects.count()
    call_command("import_services", "--commit")
    out = capsys.readouterr().out
    assert out.count("sin cambios") == 5
    assert DirectoryImport.objects.count() == before


def test_a_missing_file_is_an_actionable_error(real_directory, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No se encontró el archivo de estaciones"):
        call_command("import_services", "--only", "stations", "--stations", str(tmp_path / "nada.geojson"))


def test_a_url_source_is_downloaded_and_read_like_a_path(real_directory, bogota_data_dir):
    from justice.importers import import_dataset, import_quadrants

    stations = (bogota_data_dir / "servicios" / "estaciones_policia.geojson").as_uri()
    assert import_dataset("estaciones_policia", path=stations).status == "unchanged"
    # A shapefile URL brings its .shx/.dbf/.prj along.
    quadrants = (bogota_data_dir / "servicios" / "cuadrantes_policia_2022" / "cuadrantepolicia.shp").as_uri()
    assert import_quadrants(path=quadrants).status == "unchanged"


def test_the_wrong_file_is_refused_naming_the_missing_fields(real_directory, bogota_data_dir, tmp_path):
    from django.core.management.base import CommandError

    cai = str(bogota_data_dir / "servicios" / "cai_2022" / "comandoatencioninmediata.shp")
    with pytest.raises(CommandError, match="le faltan los campos EPONOMBRE"):
        call_command("import_services", "--only", "stations", "--stations", cai)
    truncated = tmp_path / "estaciones.geojson"
    truncated.write_bytes((bogota_data_dir / "servicios" / "estaciones_policia.geojson").read_bytes()[:5000])
    with pytest.raises(CommandError, match="No se guardó nada"):
        call_command("import_services", "--only", "stations", "--stations", str(truncated), "--commit")
    assert ServicePoint.objects.current().filter(kind=ServiceKind.POLICE_STATION).count() == 21
