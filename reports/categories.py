"""The category taxonomy as data: read data/categories.toml and upsert it into Category."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Category, Entity, Group

DEFAULT_PATH = Path(settings.BASE_DIR) / "data" / "categories.toml"
REQUIRED = ("code", "name_es", "name_en", "group", "sensitive", "responsible", "response_days")


class CategoryFileError(ValueError):
    """The taxonomy file cannot be loaded; the message says which entry and what to fix."""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    deactivated: int


def categories_read(path: Path = DEFAULT_PATH) -> list[dict]:
    """Entries of the TOML taxonomy, validated (codes unique, groups and entities known)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CategoryFileError(f"No se encontró el archivo de categorías {path}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise CategoryFileError(f"{path} no es TOML válido: {exc}") from None
    entries = data.get("category") or []
    if not entries:
        raise CategoryFileError(f"{path} no contiene ninguna entrada [[category]].")
    seen = set()
    for number, entry in enumerate(entries, start=1):
        label = entry.get("code") or f"#{number}"
        missing = [key for key in REQUIRED if key not in entry]
        if missing:
            raise CategoryFileError(f"Categoría {label}: faltan los campos {', '.join(missing)}.")
        if entry["code"] in seen:
            raise CategoryFileError(f"Categoría {label}: el código está repetido.")
        seen.add(entry["code"])
        if entry["group"] not in Group.values:
            raise CategoryFileError(
                f"Categoría {label}: grupo '{entry['group']}' desconocido ({Group.values})."
            )
        if entry["responsible"] not in Entity.values:
            raise CategoryFileError(f"Categoría {label}: entidad '{entry['responsible']}' desconocida.")
        if not isinstance(entry["sensitive"], bool) or not isinstance(entry["response_days"], int):
            raise CategoryFileError(
                f"Categoría {label}: sensitive debe ser true/false y response_days un entero."
            )
    return entries


@transaction.atomic
def categories_load(path: Path = DEFAULT_PATH) -> LoadResult:
    """Upsert the taxonomy by code (idempotent); categories absent from the file are deactivated."""
    entries = categories_read(path)
    created = updated = 0
    for order, entry in enumerate(entries, start=1):
        fields = {
            "name_es": entry["name_es"],
            "name_en": entry["name_en"],
            "description_es": entry.get("description_es", ""),
            "description_en": entry.get("description_en", ""),
            "group": entry["group"],
            "sensitive": entry["sensitive"],
            "responsible": entry["responsible"],
            "response_days": entry["response_days"],
            "active": True,
            "order": order,
        }
        category = Category.objects.filter(code=entry["code"]).first()
        if category is None:
            Category.objects.create(code=entry["code"], **fields)
            created += 1
        elif any(getattr(category, key) != value for key, value in fields.items()):
            Category.objects.filter(pk=category.pk).update(**fields)
            updated += 1
    deactivated = (
        Category.objects.exclude(code__in=[e["code"] for e in entries])
        .filter(active=True)
        .update(active=False)
    )
    return LoadResult(created=created, updated=updated, deactivated=deactivated)
