"""Importers of official data into the territory tables (see boundaries.py)."""

from .boundaries import (
    ACCEPTED_SRIDS,
    LOCALITIES,
    UPZ,
    BoundaryImportError,
    BoundarySources,
    ImportResult,
    default_sources,
    fingerprint,
    import_boundaries,
    read_units,
)
from .download import DownloadError, download
from .names import names_table, repair_mojibake, title_case_es

__all__ = [
    "ACCEPTED_SRIDS",
    "LOCALITIES",
    "UPZ",
    "BoundaryImportError",
    "BoundarySources",
    "DownloadError",
    "ImportResult",
    "default_sources",
    "download",
    "fingerprint",
    "import_boundaries",
    "names_table",
    "read_units",
    "repair_mojibake",
    "title_case_es",
]
