"""The category taxonomy file and its loader."""

import pytest
from django.core.management import CommandError, call_command

from reports.categories import categories_load
from reports.models import Category

pytestmark = pytest.mark.django_db

REQUIRED_CODES = {
    "hurto": False,
    "rina": False,
    "consumo_sustancias": False,
    "expendio_drogas": True,
    "armas_disparos": True,
    "extorsion": True,
    "violencia_intrafamiliar": True,
    "violencia_sexual_acoso": True,
    "pandillas": False,
    "ruido": False,
    "iluminacion_deficiente": False,
    "lote_abandonado": False,
    "basuras": False,
    "ocupacion_espacio_publico": False,
    "vandalismo": False,
    "maltrato_animal": False,
    "otro": False,
}


def test_taxonomy_covers_the_required_categories():
    result = categories_load()
    assert result.created >= len(REQUIRED_CODES)
    stored = dict(Category.objects.values_list("code", "sensitive"))
    for code, sensitive in REQUIRED_CODES.items():
        assert stored[code] is sensitive, code
    vif = Category.objects.get(code="violencia_intrafamiliar")
    assert vif.responsible == "comisaria_familia"
    assert all(c.name_en and c.name_es and c.response_days > 0 for c in Category.objects.all())


def test_load_is_idempotent_and_deactivates_removed(tmp_path):
    categories_load()
    again = categories_load()
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)
    Category.objects.filter(code="ruido").update(name_es="cambiado")
    assert categories_load().updated == 1
    small = tmp_path / "c.toml"
    small.write_text(
        '[[category]]\ncode = "hurto"\nname_es = "Hurto"\nname_en = "Theft"\ngroup = "seguridad"\n'
        'sensitive = false\nresponsible = "policia"\nresponse_days = 5\n'
    )
    result = categories_load(small)
    assert result.deactivated == Category.objects.count() - 1
    assert list(Category.objects.filter(active=True).values_list("code", flat=True)) == ["hurto"]


def test_command_reports_bad_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[category]]\ncode = "x"\n')
    with pytest.raises(CommandError, match="faltan los campos"):
        call_command("load_categories", path=bad)
