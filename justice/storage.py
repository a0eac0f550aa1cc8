"""Private file storage for justice request attachments: a folder outside MEDIA_ROOT, never served.

Files are read only through the staff API (which checks the locality). The folder is
settings.JUSTICE_PRIVATE_ROOT (default `.local/private`), read on every access so tests can point it
at a temporary folder.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from geo.files import RollbackSafeStorageMixin


class PrivateStorage(RollbackSafeStorageMixin, FileSystemStorage):
    """FileSystemStorage rooted at settings.JUSTICE_PRIVATE_ROOT, with no public URL; attachments of a
    request whose transaction rolls back are deleted again (geo.files)."""

    @property
    def base_location(self):
        return str(getattr(settings, "JUSTICE_PRIVATE_ROOT", Path(settings.BASE_DIR) / ".local" / "private"))

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Los adjuntos de solicitudes de justicia no tienen URL pública.")


private_storage = PrivateStorage()
