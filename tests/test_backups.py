"""manage.py backup / restore (ops/backups.py): a backup restored into a fresh database has every report,
photo and history row, and the photos' files; a damaged backup is refused before anything is touched.

pg_dump reads committed rows through its own connection, so the fixture commits its reports (on the
official territory, committed once per session) and deletes them afterwards.
"""

import io
import json
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from geo.spatial import make_point
from ops.backups import Target

pytestmark = [pytest.mark.realdata]
PLAZA = (-74.07594, 4.59806)


def _jpeg(color: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(buffer, format="JPEG")
    return SimpleUploadedFile(f"{color}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _connect(target: Target):
    return psycopg.connect(
        host=target.host, port=target.port, user=target.user, password=target.password, dbname=target.dbname
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """Photos on disk (the test settings keep them in memory) under a temporary MEDIA_ROOT."""
    root = tmp_path_factory.mktemp("backups") / "media"
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with override_settings(MEDIA_ROOT=root, STORAGES=storages):
        yield root


# Module scope: it must run before a test's transaction opens, or its rows would not be committed.
@pytest.fixture(scope="module")
def committed(real_territory, django_db_blocker, media):
    """Reports with photos and a status change, committed on the primary; removed afterwards."""
    from django.contrib.auth import get_user_model

    from reports.models import Category, Report
    from reports.services import report_create, report_transition

    with django_db_blocker.unblock():
        category, _ = Category.objects.update_or_create(
            code="copia_prueba",
            defaults={
                "name_es": "Prueba de copia",
                "name_en": "backup test",
                "group": "seguridad",
                "sensitive": False,
                "responsible": "alcaldia_local",
                "response_days": 10,
            },
        )
        # Left by an interrupted earlier run of this module (the rows are committed).
        Report.objects.filter(category=category).delete()
        admin, _ = get_user_model().objects.get_or_create(
            username="copia_admin", defaults={"is_staff": True, "is_superuser": True}
        )
    try:
        with django_db_blocker.unblock():
            reports = [
                report_create(
                    category=category,
                    description=f"Reporte para la copia {i}",
                    location=make_point(*PLAZA),
                    occurred_at=timezone.now() - timedelta(hours=1),
                    photos=[_jpeg(color) for color in colors],
                )
                for i, colors in enumerate((["red", "blue"], ["green"], []))
            ]
            report_transition(
                report=reports[0], to_status="in_review", actor=admin, note="Revisado para la copia"
            )
        yield reports
    finally:
        with django_db_blocker.unblock():
            Report.objects.filter(category=category).delete()
            category.delete()
            admin.delete()


@pytest.fixture
def fresh_database(django_db_blocker):
    """An empty database on the same server, dropped afterwards."""
    source = Target.from_alias()
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = Target(source.host, source.port, source.user, source.password, "postgres")
    with _connect(admin) as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}"')
    yield Target(source.host, source.port, source.user, source.password, name)
    with _connect(admin) as conn:
        conn.autocommit = True
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(target: Target, sql: str) -> set:
    with _connect(target) as conn:
        return set(conn.execute(sql).fetchall())


ROWS = {
    "reports": "SELECT id, tracking_code, description, status FROM reports_report WHERE category_id = {c}",
    "photos": "SELECT p.id, p.image FROM reports_reportphoto p JOIN reports_report r ON r.id = p.report_id "
    "WHERE r.category_id = {c}",
    "history": "SELECT h.id, h.report_id, h.to_status FROM reports_statuschange h "
    "JOIN reports_report r ON r.id = h.report_id WHERE r.category_id = {c}",
}


@pytest.mark.django_db
def test_backup_restored_into_a_fresh_database_has_every_report_photo_and_history_row(
    committed, fresh_database, tmp_path, media
):
    category_id = committed[0].category_id
    source = Target.from_alias()
    before = {name: _rows(source, sql.format(c=category_id)) for name, sql in ROWS.items()}
    assert len(before["reports"]) == 3 and len(before["photos"]) == 3
    assert any(status == "in_review" for _, _, status in before["history"])

    folder = tmp_path / "copia"
    call_command("backup", output=str(folder), stdout=io.StringIO())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {"database.dump", "media.tar"}
    assert manifest["media_files"] >= 3 and manifest["counts"]["reports_report"] >= 3

    restored_media = tmp_path / "media-restaurada"
    url = (
        f"postgres://{fresh_database.user}:{fresh_database.password}@{fresh_database.host}:"
        f"{fresh_database.port}/{fresh_database.dbname}"
    )
    out = io.StringIO()
    call_command(
        "restore", str(folder), commit=True, database_url=url, media_root=str(restored_media), stdout=out
    )
    assert fresh_database.dbname in out.getvalue()
    after = {name: _rows(fresh_database, sql.format(c=category_id)) for name, sql in ROWS.items()}
    assert after == before
    for _, image in before["photos"]:
        assert (restored_media / image).read_bytes() == (media / image).read_bytes()


@pytest.mark.django_db
def test_restore_refuses_a_backup_whose_checksum_does_not_match(committed, fresh_database, tmp_path):
    folder = tmp_path / "copia"
    call_command("backup", output=str(folder), stdout=io.StringIO())
    with (folder / "database.dump").open("r+b") as dump:
        dump.seek(200)
        byte = dump.read(1)
        dump.seek(200)
        dump.write(bytes([byte[0] ^ 0xFF]))
    url = (
        f"postgres://{fresh_database.user}:{fresh_database.password}@{fresh_database.host}:"
        f"{fresh_database.port}/{fresh_database.dbname}"
    )
    with pytest.raises(CommandError, match="SHA-256 no coincide"):
        call_command("restore", str(folder), commit=True, database_url=url, media_root=str(tmp_path / "m"))
    # Nothing was restored: the fresh database still has no tables of ours.
    assert _rows(fresh_database, "SELECT to_regclass('reports_report')") == {(None,)}
    with pytest.raises(CommandError, match="SHA-256 no coincide"):
        call_command("restore", str(folder))  # a dry run verifies too


@pytest.mark.django_db
def test_restore_without_commit_only_verifies_and_a_backup_never_overwrites(committed, tmp_path):
    folder = tmp_path / "copia"
    call_command("backup", output=str(folder), stdout=io.StringIO())
    out = io.StringIO()
    call_command("restore", str(folder), stdout=out)
    assert "--commit" in out.getvalue()
    with pytest.raises(CommandError, match="no está vacía"):
        call_command("backup", output=str(folder))
    (folder / "manifest.json").unlink()
    with pytest.raises(CommandError, match="no es una copia completa"):
        call_command("restore", str(folder))
    assert connection.settings_dict["NAME"].startswith("test_")
