"""Downloads of official files into the local cache: size limit, SHA-256 record, atomic rename."""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
DEFAULT_TIMEOUT = 60  # seconds without data before giving up


class DownloadError(Exception):
    """A download failed; the message says what happened and what to do (Spanish, then English)."""


@dataclass(frozen=True)
class Downloaded:
    url: str
    path: Path
    size: int
    sha256: str


def is_url(value: str | os.PathLike) -> bool:
    """True for http(s):// and file:// addresses (anything else is a local path)."""
    return str(value).split("://", 1)[0].lower() in {"http", "https", "file"} and "://" in str(value)


def download(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    expected_sha256: str = "",
    timeout: float = DEFAULT_TIMEOUT,
) -> Downloaded:
    """Fetch `url` into `dest` (bytes, at most `max_bytes`); the file appears only when complete and checked."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not is_url(url):
        raise DownloadError(
            f"Dirección no soportada: {url!r}. Use http://, https:// o file:// (unsupported URL)."
        )
    digest = hashlib.sha256()
    size = 0
    # Same folder as the destination, so os.replace is an atomic rename on one filesystem.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                # Only http(s) and file URLs reach here (checked above).
                with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                    declared = response.headers.get("Content-Length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise DownloadError(
                            f"{url} anuncia {int(declared):,} bytes, más que el límite de {max_bytes:,}. "
                            "Suba max_bytes en data/sources.toml si el archivo creció de verdad "
                            "(file larger than the configured limit)."
                        )
                    while chunk := response.read(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise DownloadError(
                                f"{url} superó el límite de {max_bytes:,} bytes; descarga cancelada. "
                                "Suba max_bytes en data/sources.toml si el archivo creció de verdad "
                                "(download exceeded the size limit)."
                            )
                        digest.update(chunk)
                        out.write(chunk)
            except urllib.error.HTTPError as exc:
                raise DownloadError(
                    f"El servidor respondió {exc.code} {exc.reason} para {url}. Revise la dirección en "
                    "data/sources.toml (el portal cambia los identificadores al republicar) "
                    f"(HTTP error {exc.code})."
                ) from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DownloadError(
                    f"No se pudo descargar {url}: {reason}. ¿Hay conexión a internet? Sin conexión, "
                    "copie los archivos a mano y defina BOGOTA_DATA_DIR (download failed; are you offline?)."
                ) from exc
        sha = digest.hexdigest()
        if expected_sha256 and sha != expected_sha256.lower():
            raise DownloadError(
                f"La huella SHA-256 de {url} es {sha}, se esperaba {expected_sha256}. El archivo cambió en "
                "el portal: revíselo y actualice sha256 en data/sources.toml (checksum mismatch)."
            )
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Downloaded(url=url, path=dest, size=size, sha256=sha)
