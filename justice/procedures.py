"""The procedures guide ("¿Qué hago si…?") as data: read and check data/procedures.toml, search it,
and link report categories (data/categories.toml `procedure`) to their procedure.

The guide is small and changes with a commit, so it is read from the file (once per process) rather
than stored in the database.
"""

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings

from reports.models import Entity

from .models import Attention, ServiceKind
from .parsing import fold

DEFAULT_PATH = Path(settings.BASE_DIR) / "data" / "procedures.toml"
CATEGORIES_PATH = Path(settings.BASE_DIR) / "data" / "categories.toml"
REQUIRED = (
    "code",
    "title_es",
    "title_en",
    "summary_es",
    "life_risk",
    "emergency",
    "institutions",
    "steps_es",
    "bring_es",
    "online",
    "sources",
)
EMERGENCY_NUMBER = "123"


class ProcedureFileError(ValueError):
    """The guide cannot be loaded; the message names the entry and what to fix."""


def _check(entry: dict, label: str) -> None:
    missing = [key for key in REQUIRED if key not in entry]
    if missing:
        raise ProcedureFileError(f"Trámite {label}: faltan los campos {', '.join(missing)}.")
    if not isinstance(entry["life_risk"], bool) or not isinstance(entry["online"], bool):
        raise ProcedureFileError(f"Trámite {label}: life_risk y online deben ser true/false.")
    if entry["life_risk"] and not any(e.get("number") == EMERGENCY_NUMBER for e in entry["emergency"]):
        raise ProcedureFileError(
            f"Trámite {label}: hay riesgo para la vida y falta la Línea 123 en emergency."
        )
    if not entry["steps_es"] or not entry["sources"]:
        raise ProcedureFileError(f"Trámite {label}: necesita al menos un paso y una fuente citada.")
    for source in entry["sources"]:
        if not source.get("title") or not str(source.get("url", "")).startswith(("http://", "https://")):
            raise ProcedureFileError(f"Trámite {label}: cada fuente necesita title y una url http(s).")
    known = set(Entity.values) | set(ServiceKind.values)
    for institution in entry["institutions"]:
        if institution.get("entity") not in known:
            raise ProcedureFileError(f"Trámite {label}: entidad «{institution.get('entity')}» desconocida.")
        kind = institution.get("service_kind")
        if kind and kind not in ServiceKind.values:
            raise ProcedureFileError(f"Trámite {label}: service_kind «{kind}» no es un tipo de servicio.")
    attention = entry.get("attention")
    if attention and attention not in Attention.values:
        raise ProcedureFileError(f"Trámite {label}: attention «{attention}» no es una atención conocida.")


@cache
def procedures_read(path: Path = DEFAULT_PATH) -> tuple[dict, ...]:
    """Entries of the guide, checked (codes unique, 123 first where life is at risk, sources cited)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ProcedureFileError(f"No se encontró la guía de trámites {path}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProcedureFileError(f"{path} no es TOML válido: {exc}") from None
    entries = data.get("procedure") or []
    if not entries:
        raise ProcedureFileError(f"{path} no contiene ninguna entrada [[procedure]].")
    seen = set()
    for number, entry in enumerate(entries, start=1):
        label = entry.get("code") or f"#{number}"
        _check(entry, label)
        if entry["code"] in seen:
            raise ProcedureFileError(f"Trámite {label}: el código está repetido.")
        seen.add(entry["code"])
    return tuple(entries)


@cache
def category_procedures(path: Path = CATEGORIES_PATH) -> dict[str, str]:
    """{report category code: procedure code} from the `procedure` key of data/categories.toml."""
    with open(path, "rb") as handle:
        categories = tomllib.load(handle).get("category") or []
    return {c["code"]: c["procedure"] for c in categories if c.get("procedure")}


def _haystack(entry: dict) -> str:
    parts = [entry["title_es"], entry["title_en"], entry["summary_es"], *entry.get("keywords", [])]
    parts += list(entry["steps_es"])
    return fold(" ".join(parts))


def procedure_search(*, q: str | None = None, category: str | None = None) -> list[dict]:
    """Procedures matching every word of `q` (accent- and case-insensitive), or the one linked to a report
    `category`; life-risk situations first, then in file order."""
    entries = list(procedures_read())
    if category:
        code = category_procedures().get(category)
        entries = [e for e in entries if e["code"] == code]
    words = fold(q or "").split()
    if words:
        entries = [e for e in entries if all(word in _haystack(e) for word in words)]
    return sorted(entries, key=lambda e: not e["life_risk"])


def procedure_get(code: str) -> dict | None:
    """One procedure by code, or None."""
    return next((e for e in procedures_read() if e["code"] == code), None)


def procedure_categories(code: str) -> list[str]:
    """Report category codes that link to procedure `code`."""
    return sorted(category for category, procedure in category_procedures().items() if procedure == code)
