"""A commitment's evidence photo goes when the progress update that wrote it rolls back (geo.files),
and stays when it commits."""

import io

import pytest
from django.db import DatabaseError
from django.utils import timezone
from PIL import Image

from geo.files import discard_rolled_back_files
from participation import services
from participation.models import Commitment, CommitmentUpdate

pytestmark = pytest.mark.django_db


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "green").save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "evidencia.jpg"
    return buffer


def _files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_evidence_photo_of_a_failed_update_is_deleted_and_of_a_saved_one_kept(
    session_01, users, rollback_media, monkeypatch
):
    commitment = services.commitment_create(
        session=session_01,
        actor=users["staff_01"],
        text="Mejorar el alumbrado",
        responsible="uaesp",
        due_date=timezone.localdate(),
    )

    def failing_save(self, *args, **kwargs):
        raise DatabaseError("la base de datos se cayó después de guardar la foto")

    with monkeypatch.context() as patch:
        patch.setattr(Commitment, "save", failing_save)
        with pytest.raises(DatabaseError):
            services.commitment_progress(
                commitment=commitment, actor=users["staff_01"], percent=30, note="Postes", photo=_jpeg()
            )
    assert not CommitmentUpdate.objects.exists()
    assert len(_files(rollback_media)) == 1  # written before the failure...
    assert discard_rolled_back_files() == 1
    assert _files(rollback_media) == []  # ...and gone with the rolled-back update

    services.commitment_progress(
        commitment=commitment, actor=users["staff_01"], percent=30, note="Postes", photo=_jpeg()
    )
    assert discard_rolled_back_files() == 0
    (kept,) = _files(rollback_media)
    assert kept.name == CommitmentUpdate.objects.get().photo.name.rsplit("/", 1)[-1]
