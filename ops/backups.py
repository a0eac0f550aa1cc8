"""Backups of the platform: the database (pg_dump custom format) plus the media folder, with a manifest.

A backup is one folder:
  database.dump   pg_dump --format=custom of the whole database (schema, PostGIS extension, data)
  media.tar       every file under MEDIA_ROOT (report photos), paths relative to it
  manifest.json   when, from which server version, row counts of what matters, and for each file
                  its size and SHA-256
backup_create writes the files first and the manifest last, so a folder without a manifest is an
interrupted backup. backup_verify recomputes every checksum; backup_restore refuses to touch
anything unless that verification passes, then restores the dump into the target database and
unpacks the media.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar"
FORMAT_VERSION = 1
# Tables whose row counts are written to the manifest and checked after a restore.
COUNTED_TABLES = ("reports_report", "reports_reportphoto", "reports_statuschange", "reports_support")


class BackupError(Exception):
    """Something a person must act on (message in Spanish)."""


@dataclass(frozen=True)
class Target:
    """libpq connection parameters of a database (host, port, user, password, dbname)."""

    host: str
    port: str
    user: str
    password: str
    dbname: str

    @classmethod
    def from_alias(cls, alias: str = "default") -> Target:
        db = connections[alias].settings_dict
        return cls(
            str(db.get("HOST") or ""),
            str(db.get("PORT") or ""),
            str(db.get("USER") or ""),
            str(db.get("PASSWORD") or ""),
            str(db["NAME"]),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        import environ

        db = environ.Env.db_url_config(url)
        return cls(
            str(db.get("HOST") or ""),
            str(db.get("PORT") or ""),
            str(db.get("USER") or ""),
            str(db.get("PASSWORD") or ""),
            str(db["NAME"]),
        )

    def args(self) -> list[str]:
        out = []
        for flag, value in (("--host", self.host), ("--port", self.port), ("--username", self.user)):
            if value:
                out += [flag, value]
        return out

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_tool(name: str, alias: str = "default") -> str:
    """pg_dump/pg_restore matching the server's major version when installed (Debian keeps one per version)."""
    major = connections[alias].pg_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"No se encontró {name}: instale el cliente de PostgreSQL {major} (postgresql-client-{major})."
        )
    return found


def table_counts(target: Target) -> dict[str, int]:
    """Rows of COUNTED_TABLES in the target database (a table that does not exist counts as absent)."""
    import psycopg

    counts = {}
    with psycopg.connect(
        host=target.host or None,
        port=target.port or None,
        user=target.user or None,
        password=target.password or None,
        dbname=target.dbname,
    ) as conn:
        for table in COUNTED_TABLES:
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]
            if exists:
                # Table names come from COUNTED_TABLES, never from input.
                counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    return counts


def _run(command: list[str], target: Target, what: str) -> None:
    result = subprocess.run(command, env=target.env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} falló (código {result.returncode}): {result.stderr.strip()[-2000:]}")


def backup_create(*, folder: Path, alias: str = "default", media_root: Path | None = None) -> dict:
    """Write a backup of database `alias` and `media_root` (default MEDIA_ROOT) into the new `folder`."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"La carpeta {folder} ya existe y no está vacía: elija otra para la copia.")
    folder.mkdir(parents=True, exist_ok=True)
    target = Target.from_alias(alias)
    counts_before = table_counts(target)
    _run(
        [
            pg_tool("pg_dump", alias),
            *target.args(),
            "--format=custom",
            "--no-owner",
            f"--file={folder / DUMP}",
            target.dbname,
        ],
        target,
        "pg_dump",
    )
    media_files = 0
    with tarfile.open(folder / MEDIA, "w") as tar:
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                tar.add(path, arcname=str(path.relative_to(media_root)))
                media_files += 1
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": target.dbname,
        "server_version": connections[alias].pg_version,
        # Counted just before the dump: writes during the dump may add rows the dump has and this lacks.
        "counts": counts_before,
        "media_files": media_files,
        "files": {
            name: {"bytes": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
            for name in (DUMP, MEDIA)
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def backup_verify(folder: Path) -> dict:
    """The manifest of `folder` after checking every listed file's size and SHA-256; BackupError if any differs."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(
            f"{folder} no tiene {MANIFEST}: no es una copia completa (¿se interrumpió?). Use otra copia."
        ) from exc
    except json.JSONDecodeError as exc:
        raise BackupError(f"{folder / MANIFEST} está dañado ({exc}). Use otra copia.") from exc
    problems = []
    for name in (DUMP, MEDIA):
        expected = manifest.get("files", {}).get(name)
        path = folder / name
        if expected is None:
            problems.append(f"{name}: no figura en el manifiesto")
        elif not path.exists():
            problems.append(f"{name}: falta el archivo")
        elif path.stat().st_size != expected["bytes"]:
            problems.append(f"{name}: {path.stat().st_size} bytes, el manifiesto dice {expected['bytes']}")
        elif sha256_file(path) != expected["sha256"]:
            problems.append(f"{name}: la suma SHA-256 no coincide con el manifiesto")
    if problems:
        raise BackupError(
            "La copia no pasa la verificación y no se restauró nada: "
            + "; ".join(problems)
            + ". Use otra copia."
        )
    return manifest


def backup_restore(*, folder: Path, target: Target, media_root: Path, alias: str = "default") -> dict:
    """Verify `folder`, restore its dump into `target` (objects replaced) and unpack its media into `media_root`.

    Returns the manifest and the row counts found after the restore. The target database must exist
    (an empty one is fine); the PostGIS extension comes with the dump.
    """
    manifest = backup_verify(folder)
    _run(
        [
            pg_tool("pg_restore", alias),
            *target.args(),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={target.dbname}",
            str(Path(folder) / DUMP),
        ],
        target,
        "pg_restore",
    )
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(Path(folder) / MEDIA) as tar:
        tar.extractall(media_root, filter="data")  # "data": no absolute paths, links out or devices
    counts = table_counts(target)
    short = {
        t: (manifest["counts"].get(t), counts.get(t))
        for t in manifest["counts"]
        if counts.get(t, 0) < manifest["counts"][t]
    }
    if short:
        raise BackupError(f"Tras restaurar faltan filas (manifiesto, restaurado): {short}.")
    return {"manifest": manifest, "counts": counts}
