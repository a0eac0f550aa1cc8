"""The procedures guide ("¿Qué hago si…?") as data: read and check data/procedures.toml, search it,
and link report categories (data/categories.toml `procedure`) to their procedure.

The guide is small and changes with a commit, so it is read from the file (once per process) rather
than stored in the database. Every text is written in Spanish (`*_es`) and English (`*_en`); the pages and
the API serve the active language (`procedure_localized`), Spanish when the language is not English.
"""

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

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
    "summary_en",
    "life_risk",
    "emergency",
    "institutions",
    "steps_es",
    "steps_en",
    "bring_es",
    "bring_en",
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
    _check_english(entry, label)
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


def _check_english(entry: dict, label: str) -> None:
    """Every Spanish text has its English text: same number of steps and things to bring, a role per
    institution, a name per emergency number, the online note when there is one."""
    missing = [
        key
        for key in ("title_en", "summary_en")
        if not isinstance(entry.get(key), str) or not entry[key].strip()
    ]
    for key in ("steps", "bring"):
        english = entry.get(f"{key}_en")
        if not isinstance(english, list) or len(english) != len(entry[f"{key}_es"]) or not all(english):
            missing.append(f"{key}_en")
    if entry.get("online_how_es") and not entry.get("online_how_en"):
        missing.append("online_how_en")
    if any(not i.get("role_en") for i in entry["institutions"] if i.get("role_es")):
        missing.append("institutions.role_en")
    if any(not e.get("name_en") for e in entry["emergency"] if e.get("name_es")):
        missing.append("emergency.name_en")
    if missing:
        raise ProcedureFileError(
            f"Trámite {label}: falta el texto en inglés de {', '.join(missing)} (mismos hechos que en español)."
        )


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


def _score(entry: dict, words: list[str]) -> int:
    """0 when a word is missing; otherwise higher when the words are in the title or keywords (3) than
    in the summary (2) or only in the steps (1)."""
    title = fold(" ".join([entry["title_es"], entry["title_en"], *entry.get("keywords", [])]))
    summary = fold(" ".join([entry["summary_es"], entry["summary_en"]]))
    steps = fold(" ".join([*entry["steps_es"], *entry["steps_en"]]))
    score = 0
    for word in words:
        weight = 3 if word in title else 2 if word in summary else 1 if word in steps else 0
        if not weight:
            return 0
        score += weight
    return score


def procedure_search(*, q: str | None = None, category: str | None = None) -> list[dict]:
    """Procedures containing every word of `q` (accent- and case-insensitive), best matches first, or
    the one linked to a report `category`; without words, life-risk situations first, then file order."""
    entries = list(procedures_read())
    if category:
        code = category_procedures().get(category)
        entries = [e for e in entries if e["code"] == code]
    words = fold(q or "").split()
    if not words:
        return sorted(entries, key=lambda e: not e["life_risk"])
    scored = [(score, e) for e in entries if (score := _score(e, words))]
    return [e for _, e in sorted(scored, key=lambda pair: (-pair[0], not pair[1]["life_risk"]))]


def procedure_get(code: str) -> dict | None:
    """One procedure by code, or None."""
    return next((e for e in procedures_read() if e["code"] == code), None)


def procedure_categories(code: str) -> list[str]:
    """Report category codes that link to procedure `code`."""
    return sorted(category for category, procedure in category_procedures().items() if procedure == code)


def _language(language: str | None) -> str:
    """'en' when `language` (default: the active one) is English, else 'es' (the fallback)."""
    language = language or translation.get_language() or "es"
    return "en" if language.lower().startswith("en") else "es"


def procedure_localized(entry: dict, language: str | None = None) -> dict:
    """`entry` with its texts in `language` (default: the active language; Spanish unless English) under
    language-neutral keys: title, summary, steps, bring, online_how, and role / name inside institutions
    and emergency. The `*_es` and `*_en` keys are kept; `language` says which was chosen."""
    lang = _language(language)
    return {
        **entry,
        "language": lang,
        "title": entry[f"title_{lang}"],
        "summary": entry[f"summary_{lang}"],
        "steps": entry[f"steps_{lang}"],
        "bring": entry[f"bring_{lang}"],
        "online_how": entry.get(f"online_how_{lang}", ""),
        "institutions": [{**i, "role": i.get(f"role_{lang}", "")} for i in entry["institutions"]],
        "emergency": [{**e, "name": e.get(f"name_{lang}", "")} for e in entry["emergency"]],
    }
