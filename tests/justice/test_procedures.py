"""The procedures guide as data: the file is valid, categories link to it, search works, API answers."""

import re
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
        '[[procedure]]\ncode = "x"\ntitle_es = "X"\ntitle_en = "X"\nsummary_es = "X"\nsummary_en = "X"\n'
        'life_risk = true\nemergency = []\ninstitutions = []\nsteps_es = ["a"]\nsteps_en = ["a"]\nbring_es = []\n'
        "bring_en = []\nonline = false\n"
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


def test_every_situation_has_its_english_text():
    """Each Spanish text of the guide has an English one (non-empty, same number of steps and things to
    bring, a role per institution, a name per emergency number), and it is not the Spanish copied."""
    with open(settings.BASE_DIR / "data" / "procedures.toml", "rb") as handle:
        entries = tomllib.load(handle)["procedure"]
    assert len(entries) >= 15
    for e in entries:
        code = e["code"]
        for key in ("title", "summary"):
            assert e.get(f"{key}_en", "").strip(), (code, key)
            assert e[f"{key}_en"] != e[f"{key}_es"], (code, key)
        for key in ("steps", "bring"):
            english = e.get(f"{key}_en")
            assert isinstance(english, list) and len(english) == len(e[f"{key}_es"]), (code, key)
            assert all(text.strip() for text in english), (code, key)
            assert not set(english) & set(e[f"{key}_es"]), (code, key)
        assert bool(e.get("online_how_en")) == bool(e.get("online_how_es")), code
        assert all(i.get("role_en") for i in e["institutions"]), code
        assert all(n.get("name_en") for n in e["emergency"]), code
        # Same facts: every number (laws, articles, phone lines, years) of the Spanish is in the English.
        spanish = " ".join([e["summary_es"], *e["steps_es"], *e["bring_es"], e.get("online_how_es", "")])
        english = " ".join([e["summary_en"], *e["steps_en"], *e["bring_en"], e.get("online_how_en", "")])
        assert set(re.findall(r"\d+", spanish)) == set(re.findall(r"\d+", english)), code


def test_a_guide_without_english_text_is_refused(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text(
        '[[procedure]]\ncode = "y"\ntitle_es = "Y"\ntitle_en = "Y"\nsummary_es = "Y"\nsummary_en = "Y"\n'
        'life_risk = false\nemergency = []\ninstitutions = []\nsteps_es = ["a", "b"]\nsteps_en = ["a"]\n'
        'bring_es = []\nbring_en = []\nonline = false\nsources = [{ title = "Ley", url = "https://example.org" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProcedureFileError, match="y: falta el texto en inglés de steps_en"):
        procedures_read(bad)


def test_procedures_api_answers_in_the_requested_language_spanish_by_default():
    client = client_for(None)
    spanish = client.get("/api/procedures/ruido_vecino/").json()
    english = client.get("/api/procedures/ruido_vecino/", HTTP_ACCEPT_LANGUAGE="en").json()
    other = client.get("/api/procedures/ruido_vecino/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert spanish["language"] == "es" and spanish["title"] == spanish["title_es"]
    assert spanish["steps"] == spanish["steps_es"]
    assert english["language"] == "en" and english["title"] == "A neighbour makes excessive noise"
    assert english["summary"].startswith("Noise that disturbs")
    assert english["institutions"][0]["role"].startswith("Attends the case")
    assert english["summary_es"] == spanish["summary_es"]  # the Spanish text is always there
    assert other["language"] == "es"
    listed = client.get("/api/procedures/", {"q": "noise"}, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").json()
    assert listed[0]["code"] == "ruido_vecino" and listed[0]["language"] == "en"
    emergency = client.get("/api/procedures/rina/", HTTP_ACCEPT_LANGUAGE="en").json()["emergency"]
    assert emergency[0] == {
        "number": "123",
        "name": "Single emergency line",
        "name_es": "Línea única de emergencias",
    }


def test_guide_pages_follow_the_language_switch(client):
    spanish = client.get("/que-hago/ruido_vecino/")
    assert "Un vecino hace ruido excesivo" in spanish.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/que-hago/ruido_vecino/").content.decode()
    assert "A neighbour makes excessive noise" in english
    assert "write down dates and times" in english
    assert "Identity document" in english
    assert "Un vecino hace ruido excesivo" not in english
    listed = client.get("/que-hago/", {"q": "noise"}).content.decode()
    assert "A neighbour makes excessive noise" in listed
