"""The manifest of official downloads (data/sources.toml) and fetching it into the local cache."""

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings

from .download import DownloadError, download

MANIFEST_PATH = Path(settings.BASE_DIR) / "data" / "sources.toml"
LOCK_NAME = "sources.lock.json"


class ManifestError(Exception):
    """data/sources.toml is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    dest: str  # relative to the cache folder, POSIX style
    max_bytes: int
    sha256: str = ""
    description: str = ""


@dataclass(frozen=True)
class FetchOutcome:
    source: Source
    path: Path
    status: str  # "downloaded", "present" or "failed"
    sha256: str = ""
    size: int = 0
    error: str = ""


def load_manifest(path: Path = MANIFEST_PATH) -> list[Source]:
    """The [[source]] entries of a sources.toml, checked (names unique, dest inside the cache)."""
    try:
        with open(path, "rb") as fh:
            entries = tomllib.load(fh).get("source", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"No se pudo leer {path}: {exc}. (Cannot read the sources manifest.)") from exc
    sources, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        name = entry.get("name", f"#{number}")
        missing = [key for key in ("name", "url", "dest", "max_bytes") if not entry.get(key)]
        if missing:
            raise ManifestError(f"La fuente {name} de {path} no tiene {', '.join(missing)}. (Missing keys.)")
        dest = PurePosixPath(entry["dest"])
        # A manifest must never write outside the cache folder.
        if dest.is_absolute() or ".." in dest.parts:
            raise ManifestError(f"La fuente {name}: dest debe ser una ruta relativa dentro de la caché.")
        sha = str(entry.get("sha256", "")).lower()
        if sha and not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ManifestError(f"La fuente {name}: sha256 debe tener 64 cifras hexadecimales.")
        if name in seen:
            raise ManifestError(f"Nombre de fuente repetido en {path}: {name}.")
        seen.add(name)
        sources.append(
            Source(
                name=name,
                url=entry["url"],
                dest=str(dest),
                max_bytes=int(entry["max_bytes"]),
                sha256=sha,
                description=entry.get("description", ""),
            )
        )
    return sources


def fetch_sources(
    sources: list[Source],
    *,
    cache_dir: Path,
    force: bool = False,
    timeout: float = 60,
    progress: Callable[[str], None] | None = None,
) -> list[FetchOutcome]:
    """Download each source into `cache_dir` (skipping files already there unless `force`); record hashes.

    A failed download leaves any earlier copy in place; the record (<cache>/bogota/sources.lock.json)
    gets url, size in bytes, SHA-256 and UTC time of each successful download.
    """
    say = progress or (lambda message: None)
    lock_path = Path(cache_dir) / "bogota" / LOCK_NAME
    lock = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    outcomes = []
    for source in sources:
        target = Path(cache_dir) / source.dest
        if target.exists() and not force:
            say(f"{source.name}: ya está en {target} (use --force para descargarlo de nuevo)")
            outcomes.append(FetchOutcome(source, target, "present"))
            continue
        say(f"{source.name}: descargando {source.url}")
        try:
            got = download(
                source.url, target, max_bytes=source.max_bytes, expected_sha256=source.sha256, timeout=timeout
            )
        except DownloadError as exc:
            say(f"{source.name}: ERROR {exc}")
            outcomes.append(FetchOutcome(source, target, "failed", error=str(exc)))
            continue
        say(f"{source.name}: {got.size:,} bytes, sha256 {got.sha256[:16]}…")
        lock[source.name] = {
            "url": source.url,
            "dest": source.dest,
            "bytes": got.size,
            "sha256": got.sha256,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        outcomes.append(FetchOutcome(source, target, "downloaded", got.sha256, got.size))
    if any(o.status == "downloaded" for o in outcomes):
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = lock_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(lock, indent=2, sort_keys=True, ensure_ascii=False))
        tmp.replace(lock_path)
    return outcomes
