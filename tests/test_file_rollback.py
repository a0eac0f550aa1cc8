"""No orphan files when the disk fills in the middle of an upload: the photos and attachments already
written by a transaction that rolls back are deleted again, and the file cut short too (geo.files)."""

import errno
import io

import pytest
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from PIL import Image
from rest_framework.test import APIClient

from geo.files import discard_rolled_back_files
from justice.models import JusticeAttachment, JusticeRequest
from reports.models import Report, ReportPhoto
from tests.factories import make_territory
from tests.justice.factories import make_office
from tests.reports.factories import POINT_01, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(db):
    return make_territory()


def _jpeg(colour="red") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "foto.jpg"
    return buffer


class _CutShort(File):
    """File content whose writing stops halfway with ENOSPC, as on a disk that just filled."""

    def chunks(self, chunk_size=None):
        data = self.file.read()
        yield data[: len(data) // 2]
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def disk_fills_on_write(monkeypatch):
    """disk_fills_on_write(n): the n-th file written by any FileSystemStorage fails halfway."""

    def arm(n):
        real = FileSystemStorage._save
        calls = {"n": 0}

        def save(self, name, content):
            calls["n"] += 1
            if calls["n"] == n:
                content = _CutShort(io.BytesIO(content.read()), name=content.name)
            return real(self, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", save)

    return arm


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _post_report(photos):
    form = {"category": "hurto", "description": "Con fotos", "lon": POINT_01[0], "lat": POINT_01[1]}
    return APIClient().post("/api/reports/", {**form, "photos": photos}, format="multipart")


# A real transaction, as in production: filing a report runs its statement without a savepoint of its
# own (reports.services.report_create), so inside the test case's transaction the failed write would
# leave that transaction unusable instead of rolling back what the request wrote.
@pytest.mark.django_db(transaction=True)
def test_a_report_whose_second_photo_fills_the_disk_leaves_no_file(
    territory, rollback_media, disk_fills_on_write
):
    make_category("hurto")
    disk_fills_on_write(2)
    response = _post_report([_jpeg("red"), _jpeg("blue")])
    assert response.status_code == 507
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()
    assert _files(rollback_media) == []  # neither the first photo nor the half-written second one


def test_photos_of_a_filed_report_stay(territory, rollback_media):
    make_category("hurto")
    response = _post_report([_jpeg("red"), _jpeg("blue")])
    assert response.status_code == 201
    stored = _files(rollback_media)
    assert len(stored) == 2
    assert sorted(p.name for p in stored) == sorted(
        p.image.name.rsplit("/", 1)[-1] for p in ReportPhoto.objects.all()
    )


def test_a_justice_request_whose_second_attachment_fills_the_disk_leaves_no_file(
    territory, settings, tmp_path, disk_fills_on_write
):
    from justice.models import ServiceKind

    settings.JUSTICE_PRIVATE_ROOT = tmp_path / "private"
    make_office(ServiceKind.FAMILY_COMMISSARY, POINT_01)
    disk_fills_on_write(2)
    body = {
        "attention": "medida_proteccion",
        "situation": "violencia_intrafamiliar",
        "narrative": "Relato de prueba",
        "locality": "01",
        "contact_email": "ana@example.com",
        "preferred_channel": "email",
        "consent": "true",
        "attachments": [_jpeg("red"), _jpeg("blue")],
    }
    response = APIClient().post("/api/justice-requests/", body, format="multipart")
    assert response.status_code == 507
    assert not JusticeRequest.objects.exists() and not JusticeAttachment.objects.exists()
    assert _files(tmp_path / "private") == []


def test_outside_a_request_rolled_back_files_go_on_discard_and_committed_ones_stay(rollback_media):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    class Boom(Exception):
        pass

    kept = default_storage.save("a/kept.txt", ContentFile(b"ok"))
    with pytest.raises(Boom), transaction.atomic():
        lost = default_storage.save("a/lost.txt", ContentFile(b"no"))
        raise Boom
    with transaction.atomic():
        pending = default_storage.save("a/pending.txt", ContentFile(b"?"))
        assert discard_rolled_back_files() == 1  # the rolled-back one; the open one is left alone
        assert default_storage.exists(pending)
    assert default_storage.exists(kept) and not default_storage.exists(lost)
