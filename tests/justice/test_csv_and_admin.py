"""CSV importer and admin form for the offices without an official file (casas de justicia, unidades de
mediación, alcaldías locales), on the toy territory."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from justice.models import DirectoryImport, ServicePoint

pytestmark = pytest.mark.django_db

HEADER = "kind,code,name,address,lat,lon,phone,schedule,data_year\n"
CASA = 'casa_justicia,CJ-01,Casa de Justicia Norte,KR 7 1 1,4.6234,-74.0712,"3808330 OPCION 4",LUNES A VIERNES 7:00 AM - 4:00 PM,2025\n'
ALCALDIA = "alcaldia_local;AL-02;Alcaldía Local Sur;CL 1 2 3;4.5734;-74.0712;6012222222;;\n"


def _csv(tmp_path, text, name="servicios.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dry_run_writes_nothing_and_commit_imports(territory, tmp_path, capsys):
    path = _csv(tmp_path, HEADER + CASA)
    call_command("import_services_csv", path)
    assert "Simulación" in capsys.readouterr().out
    assert not ServicePoint.objects.filter(dataset="csv").exists()
    call_command("import_services_csv", path, "--commit")
    casa = ServicePoint.objects.get(dataset="csv")
    assert (casa.kind, casa.locality.code, casa.upz.code) == ("casa_justicia", "01", "1")
    assert casa.schedule == [{"days": [0, 1, 2, 3, 4], "opens": "07:00", "closes": "16:00"}]
    assert casa.phones[0]["number"] == "+576013808330"
    assert casa.data_note == "Datos de 2025."
    call_command("import_services_csv", path, "--commit")
    assert "Sin cambios" in capsys.readouterr().out
    assert DirectoryImport.objects.filter(dataset="csv").count() == 1


def test_a_semicolon_file_of_another_kind_leaves_the_first_kind_alone(territory, tmp_path):
    call_command("import_services_csv", _csv(tmp_path, HEADER + CASA), "--commit")
    call_command(
        "import_services_csv", _csv(tmp_path, HEADER.replace(",", ";") + ALCALDIA, "b.csv"), "--commit"
    )
    assert ServicePoint.objects.filter(dataset="csv", active=True).count() == 2
    # The casas file again without its only row's sibling: nothing of another kind is withdrawn.
    other = CASA.replace("CJ-01", "CJ-09")
    call_command("import_services_csv", _csv(tmp_path, HEADER + other, "c.csv"), "--commit")
    active = set(ServicePoint.objects.filter(dataset="csv", active=True).values_list("code", flat=True))
    assert active == {"alcaldia_local-al-02", "casa_justicia-cj-09"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("casa_justicia,X,Casa,KR 1,abc,-74.07\n", "Línea 2: lat debe ser un número"),
        ("casa_justicia,X,Casa,KR 1,1e400,-74.07\n", "Línea 2: lat debe ser un número finito"),
        ("casa_justicia,X,Casa,KR 1,,-74.07\n", "Línea 2: lat debe ser un número"),
        ("casa_justicia,X,Casa,KR 1,-74.07,4.62\n", "Línea 2: lat y lon parecen invertidas"),
        (
            "casa_justicia,X,Casa,KR 1,6.24,-75.58\n",
            "Línea 2: La longitud -75.58 está demasiado lejos de Bogotá",
        ),
        ("juzgado,X,Juzgado,KR 1,4.62,-74.07\n", "Línea 2: tipo «juzgado» desconocido"),
    ],
)
def test_bad_rows_are_actionable_errors(territory, tmp_path, row, message):
    with pytest.raises(CommandError) as error:
        call_command(
            "import_services_csv", _csv(tmp_path, "kind,code,name,address,lat,lon\n" + row), "--commit"
        )
    assert message in str(error.value)
    assert not ServicePoint.objects.filter(dataset="csv").exists()


def test_missing_columns_are_named(territory, tmp_path):
    with pytest.raises(CommandError, match="faltan las columnas lat, lon"):
        call_command("import_services_csv", _csv(tmp_path, "kind,code,name,address\n"))


def test_admin_form_locates_and_parses_a_new_office(territory, users):
    from django.test import Client

    client = Client()
    client.force_login(users["admin"])
    response = client.post(
        "/admin/justice/servicepoint/add/",
        {
            "kind": "unidad_mediacion",
            "code": "umc-sur",
            "name": "Unidad de Mediación Sur",
            "address": "CL 1 2 3",
            "phone_text": "6012222222 ext 5",
            "schedule_text": "LUNES A VIERNES 8:00 AM - 5:00 PM",
            "email": "",
            "website": "",
            "location": '{"type": "Point", "coordinates": [-74.0712, 4.5734]}',
            "data_year": "",
            "data_note": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    office = ServicePoint.objects.get(code="umc-sur")
    assert (office.locality.code, office.dataset) == ("02", "manual")
    assert office.phones == [{"number": "+576012222222", "display": "601 222 2222", "extension": "ext 5"}]
    assert office.schedule[0]["closes"] == "17:00"


def test_without_boundaries_the_import_says_to_load_them_first(territory, tmp_path):
    from localities.models import BoundaryVersion

    BoundaryVersion.objects.update(active=False)
    with pytest.raises(CommandError, match="import_boundaries --commit"):
        call_command("import_services_csv", _csv(tmp_path, HEADER + CASA), "--commit")
