"""Importers of the service directory: official files (official.py), quadrants (quadrants.py), CSV (csvfile.py)."""

from .base import DirectoryImportError, ImportResult
from .csvfile import import_csv
from .official import import_dataset
from .quadrants import import_quadrants

__all__ = ["DirectoryImportError", "ImportResult", "import_csv", "import_dataset", "import_quadrants"]
