"""Minutes attachments and progress photos are re-encoded like report photos (no metadata kept)."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from participation import services
from reports.photos import photo_limits

pytestmark = pytest.mark.django_db


def _jpeg_with_exif(name="acta.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (2400, 1600), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "CamaraSecreta"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_minutes_attachment_and_progress_photo_lose_metadata(session_01, users):
    services.session_minutes(
        session=session_01,
        actor=users["staff_01"],
        minutes="Acta",
        attendance=3,
        outcomes={},
        attachments=[_jpeg_with_exif()],
    )
    attachment = session_01.attachments.get()
    with attachment.image.open("rb") as f, Image.open(io.BytesIO(f.read())) as stored:
        assert not stored.getexif() and max(stored.size) <= photo_limits()[1] < 2400
    commitment = services.commitment_create(
        session=session_01,
        actor=users["staff_01"],
        text="t",
        responsible="policia",
        due_date=timezone.localdate() + timedelta(days=3),
    )
    update = services.commitment_progress(
        commitment=commitment, actor=users["staff_01"], percent=30, note="n", photo=_jpeg_with_exif("f.jpg")
    )
    with update.photo.open("rb") as f, Image.open(io.BytesIO(f.read())) as stored:
        assert not stored.getexif()
    attachment.image.delete(save=False)
    update.photo.delete(save=False)
    with pytest.raises(ValidationError):
        services.commitment_progress(
            commitment=commitment,
            actor=users["staff_01"],
            percent=40,
            note="n",
            photo=SimpleUploadedFile("x.jpg", b"no es una imagen", content_type="image/jpeg"),
        )
