"""The procedures guide as data: the file is valid, categories link to it, search works, API answers."""

import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from justice.procedures import ProcedureFileError, procedure_search, procedures_read

from .conftest import client_for

CATEGORIES = Path(settings.BASE_DIR) / "data" / "categories.toml"


def test_the_guide_loads_and_covers_the_situations_of_the_issue():
    codes = {entry["code"] for entry in procedures_read()}
    for situation in [
        "ruido_vecino",
        "rina",
        "violencia_intrafamiliar",
        "hurto",
        "amenaza_extorsion",
        "documentos_perdidos",
        "muro_medianero",
        "maltrato_animal",
    ]:
        assert situation in codes


def test_life_risk_situations_put_123_first_and_domestic_violence_the_purple_line():
    for entry in procedures_read():
        if entry["life_risk"]:
            assert entry["emergency"][0]["number"] == "123", entry["code"]
    numbers = [e["number"] for e in procedure_search(category="violencia_intrafamiliar")[0]["emergency"]]
    assert numbers[:2] == ["123", "018000112137"]


def test_every_entry_cites_a_public_source():
    for entry in procedures_read():
        assert entry["sources"], entry["code"]
    laws = " ".join(s["title"] for e in procedures_read() for s in e["sources"])
    assert "Ley 1801 de 2016" in laws and "Ley 2126 de 2021" in laws


def test_every_report_category_links_to_an_existing_procedure():
    with open(CATEGORIES, "rb") as handle:
        categories = tomllib.load(handle)["category"]
    codes = {entry["code"] for entry in procedures_read()}
    for category in categories:
        assert category.get("procedure") in codes, category["code"]


def test_search_ignores_accents_and_case_and_puts_life_risk_first():
    assert [e["code"] for e in procedure_search(q="RUÍDO vecino")] == ["ruido_vecino"]
    results = procedure_search(q="vecino")
    assert {"ruido_vecino", "muro_medianero"} <= {e["code"] for e in results}
    flags = [e["life_risk"] for e in procedure_search()]
    assert flags == sorted(flags, reverse=True)


def test_a_broken_guide_is_refused_with_the_entry_named(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text(
        '[[procedure]]\ncode = "x"\ntitle_es = "X"\ntitle_en = "X"\nsummary_es = "X"\nlife_risk = true\n'
        'emergency = []\ninstitutions = []\nsteps_es = ["a"]\nbring_es = []\nonline = false\n'
        'sources = [{ title = "Ley", url = "https://example.org" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProcedureFileError, match="x: hay riesgo para la vida y falta la Línea 123"):
        procedures_read(bad)


def test_procedures_api():
    client = client_for(None)
    listed = client.get("/api/procedures/", {"q": "celular"})
    assert listed.status_code == 200
    # "celular" names the theft of a phone, and is also in the steps of others ("el celular de su cuadrante").
    assert listed.json()[0]["code"] == "hurto"
    assert listed.json()[0]["categories"] == ["hurto"]
    by_category = client.get("/api/procedures/", {"category": "basuras"}).json()
    assert [e["code"] for e in by_category] == ["entorno_servicios"]
    detail = client.get("/api/procedures/muro_medianero/")
    assert detail.status_code == 200 and detail.json()["attention"] == "conciliacion"
    assert client.get("/api/procedures/no-existe/").status_code == 404
