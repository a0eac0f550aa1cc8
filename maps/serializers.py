"""Query serializers of every map endpoint (analysis, tiles, layers, exports): one place for input rules.

Each gives 400 with a Spanish message per field on bad input; `to_filters()` turns the shared
filters into a maps.filters.MapFilters.
"""

import re
from datetime import date

from rest_framework import serializers

from reports.visibility import public_grid_metres

from .filters import MapFilters

MIN_CELL_METRES = 100
MAX_CELL_METRES = 5000
MAX_PAGE_SIZE = 10000
# Dates a map query may name: beyond them the period arithmetic overflows (date.max + 1 day).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in (value or "").split(",") if v.strip()}))


class CodeListField(serializers.CharField):
    """Comma-separated codes → sorted tuple of distinct codes."""

    def __init__(self, *, pattern: str | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.pattern = pattern

    def to_internal_value(self, data):
        codes = _codes(super().to_internal_value(data))
        if self.pattern:
            bad = [c for c in codes if not re.fullmatch(self.pattern, c)]
            if bad:
                raise serializers.ValidationError(f"Código(s) no válido(s): {', '.join(bad)}.")
        return codes


class BoundedDateField(serializers.DateField):
    """YYYY-MM-DD between MIN_DATE and MAX_DATE (inclusive)."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not MIN_DATE <= parsed <= MAX_DATE:
            raise serializers.ValidationError(
                f"La fecha debe estar entre {MIN_DATE.isoformat()} y {MAX_DATE.isoformat()} (AAAA-MM-DD)."
            )
        return parsed


class MapFilterSerializer(serializers.Serializer):
    """Query-string filters shared by map endpoints; `to_filters()` gives a MapFilters."""

    locality = CodeListField(
        pattern=r"\d{2}", help_text="Código(s) de localidad separados por comas, p. ej. 01,08."
    )
    upz = CodeListField(pattern=r"(\d{1,3}|UPR\d{1,2})", help_text="Código(s) de UPZ/UPR, p. ej. 75,UPR1.")
    category = CodeListField(
        pattern=r"[a-z0-9_\-]{1,40}",
        help_text="Código(s) de categoría separados por comas, p. ej. hurto,rina.",
    )
    date_from = BoundedDateField(
        required=False,
        help_text="Desde (inclusive), fecha de recepción AAAA-MM-DD, hora de Bogotá (1900-01-01..2100-12-31).",
    )
    date_to = BoundedDateField(
        required=False,
        help_text="Hasta (inclusive), fecha de recepción AAAA-MM-DD, hora de Bogotá (1900-01-01..2100-12-31).",
    )

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": "date_to debe ser igual o posterior a date_from (formato AAAA-MM-DD)."}
            )
        return attrs

    def to_filters(self) -> MapFilters:
        data = self.validated_data
        return MapFilters(
            locality=data.get("locality", ()),
            upz=data.get("upz", ()),
            category=data.get("category", ()),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class GridCellField(serializers.IntegerField):
    """Cell size in metres: MIN..MAX_CELL_METRES and a multiple of the public grid, so every cell is a
    union of whole public-grid cells (reports.visibility)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", 500)
        kwargs.setdefault(
            "help_text",
            f"Tamaño de celda en metros ({MIN_CELL_METRES}–{MAX_CELL_METRES}, múltiplo de la grilla pública "
            "PUBLIC_GRID_METRES, 100 por defecto); en hexágonos, lado del cuadrado de igual área.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        grid = public_grid_metres()
        if not MIN_CELL_METRES <= value <= MAX_CELL_METRES or value % grid:
            raise serializers.ValidationError(
                f"cell debe ser un número de metros entre {MIN_CELL_METRES} y {MAX_CELL_METRES}, "
                f"múltiplo de {grid} (p. ej. 500)."
            )
        return value


class GridQuerySerializer(MapFilterSerializer):
    """Filters plus the grid: cell size in metres and shape."""

    cell = GridCellField()
    shape = serializers.ChoiceField(choices=["square", "hex"], required=False, default="square")


class HeatmapQuerySerializer(GridQuerySerializer):
    output = serializers.ChoiceField(
        choices=["cells", "points"],
        required=False,
        default="cells",
        help_text="cells: GeoJSON de celdas; points: lista [lat, lon, peso] para Leaflet.heat.",
    )


class HotspotQuerySerializer(GridQuerySerializer):
    alpha = serializers.FloatField(
        required=False, default=0.05, min_value=0.0001, max_value=0.2, help_text="Nivel de significancia."
    )
    correction = serializers.ChoiceField(
        choices=["fdr", "none"],
        required=False,
        default="fdr",
        help_text="fdr: Benjamini–Hochberg sobre todas las celdas; none: cada celda con alpha.",
    )


class StatsQuerySerializer(MapFilterSerializer):
    level = serializers.ChoiceField(choices=["locality", "upz"], required=False, default="locality")


class BBoxField(serializers.CharField):
    """minlon,minlat,maxlon,maxlat in EPSG:4326."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            parts = tuple(float(p) for p in text.split(","))
        except ValueError:
            parts = ()
        if (
            len(parts) != 4
            or not (-180 <= parts[0] < parts[2] <= 180)
            or not (-90 <= parts[1] < parts[3] <= 90)
        ):
            raise serializers.ValidationError(
                "bbox debe ser minlon,minlat,maxlon,maxlat en grados (p. ej. -74.2,4.5,-74.0,4.8)."
            )
        return parts


class LayerQuerySerializer(MapFilterSerializer):
    page_size = serializers.IntegerField(
        required=False, default=1000, min_value=1, max_value=MAX_PAGE_SIZE, help_text="1..10000."
    )
    cursor = serializers.IntegerField(
        required=False, default=0, min_value=0, help_text="Valor de `next_cursor` de la página anterior."
    )
    bbox = BBoxField(required=False, help_text="minlon,minlat,maxlon,maxlat (EPSG:4326).")


class AggregateQuerySerializer(MapFilterSerializer):
    level = serializers.ChoiceField(choices=["locality", "upz", "grid"], default="locality")
    cell = GridCellField(
        help_text="Metros (grid), 100..5000, múltiplo de la grilla pública (100 por defecto)."
    )
