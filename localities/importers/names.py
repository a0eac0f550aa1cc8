"""Display names of territorial units (data/territory_names.toml) and repair of source text."""

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings

NAMES_PATH = Path(settings.BASE_DIR) / "data" / "territory_names.toml"

# Words kept in lower case inside a title-cased Spanish place name ("Paseo de los Libertadores").
_SMALL_WORDS = {"de", "del", "la", "las", "los", "el", "y", "e"}


@cache
def names_table(path: Path = NAMES_PATH) -> dict[str, dict[str, str]]:
    """{"localities": {code: name}, "upz": {code: name}} read from the TOML names table."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {"localities": dict(data.get("localities", {})), "upz": dict(data.get("upz", {}))}


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 ('NARIÃ‘O' -> 'NARIÑO'); other text is returned as is."""
    # Only text showing the tell-tale lead bytes of UTF-8 read as cp1252 is touched, and only when the
    # round trip succeeds, so a genuine 'Ã' in correct text would survive.
    if "Ã" not in text and "Â" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def title_case_es(text: str) -> str:
    """'PASEO DE LOS LIBERTADORES' -> 'Paseo de los Libertadores' (no accents can be recovered)."""
    words = text.strip().lower().split()
    return " ".join(w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))
