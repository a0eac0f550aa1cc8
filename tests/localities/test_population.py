"""import_population on the official files, and clear errors on broken ones."""

import pytest
from django.core.management import CommandError, call_command

from localities.models import Population
from localities.population import PopulationFileError, import_population

pytestmark = pytest.mark.django_db


@pytest.mark.realdata
def test_dry_run_then_commit_then_idempotent(bogota_data_dir, capsys):
    call_command("import_population", "--data-dir", str(bogota_data_dir))
    assert not Population.objects.exists()
    assert "Ensayo" in capsys.readouterr().out
    call_command("import_population", "--data-dir", str(bogota_data_dir), "--commit")
    assert Population.objects.filter(level="upz", year__isnull=True).count() == 112
    assert Population.objects.filter(level="locality").count() == 620
    # UPZ60 is split across two localities; the part in Rafael Uribe has no population.
    assert Population.objects.get(level="upz", code="60").population == 1948
    assert Population.objects.get(level="upz", code="90").population == 37191
    assert Population.objects.get(level="locality", code="01", year=2005).population == 415099
    total_2024 = sum(
        Population.objects.filter(level="locality", year=2024).values_list("population", flat=True)
    )
    assert total_2024 == 7_918_660
    total_upz = sum(Population.objects.filter(level="upz").values_list("population", flat=True))
    assert total_upz == 7_243_201
    result = import_population(data_dir=bogota_data_dir, commit=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 732)


def _write(folder, upz_text, locality_text):
    (folder / "poblacion").mkdir()
    (folder / "poblacion" / "poblacion_upz_laburbano.csv").write_text(upz_text, encoding="utf-8")
    (folder / "poblacion" / "poblacion_localidad_2005_2035.csv").write_text(locality_text, encoding="utf-8")


HEADER = "Código localidad;Nombre localidad;Código UPZ;Nombre UPZ;Población urbana\r\n"
LOC = "year,locality_code,locality_name,population\n2020,01,Usaquén,500000\n"


def test_a_bad_code_names_file_and_row(tmp_path):
    _write(tmp_path, HEADER + "1.0;USAQUEN;9.0;VERBENAL;1000\r\n2.0;CHAPINERO;x;PARDO;5\r\n", LOC)
    with pytest.raises(PopulationFileError, match=r"poblacion_upz_laburbano.csv, fila 3"):
        import_population(data_dir=tmp_path, commit=True)
    assert not Population.objects.exists()


def test_missing_column_and_missing_files_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="No se encontró"):
        call_command("import_population", "--data-dir", str(tmp_path), "--commit")
    _write(tmp_path, "Código UPZ;Nombre\r\n9.0;X\r\n", LOC)
    with pytest.raises(CommandError, match="Población urbana"):
        call_command("import_population", "--data-dir", str(tmp_path), "--commit")
    assert not Population.objects.exists()


def test_update_when_a_figure_changes(tmp_path):
    _write(tmp_path, HEADER + "1.0;USAQUEN;9.0;VERBENAL;1000\r\n", LOC)
    import_population(data_dir=tmp_path, commit=True)
    (tmp_path / "poblacion" / "poblacion_upz_laburbano.csv").write_text(
        HEADER + "1.0;USAQUEN;9.0;VERBENAL;1200\r\n", encoding="utf-8"
    )
    result = import_population(data_dir=tmp_path, commit=True)
    assert result.updated == 1
    assert Population.objects.get(level="upz", code="9").population == 1200
