"""Input serializers of the analysis endpoints (heatmap, hotspots, statistics)."""

from rest_framework import serializers

from .filters import MapFilterSerializer
from .models import ROLLUP_CELL_METRES

MIN_CELL_METRES = ROLLUP_CELL_METRES
MAX_CELL_METRES = 5000


class GridQuerySerializer(MapFilterSerializer):
    """Filters plus the grid: cell size in metres (multiple of the 100 m rollup cell) and shape."""

    cell = serializers.IntegerField(
        required=False,
        default=500,
        help_text=f"Tamaño de celda en metros ({MIN_CELL_METRES}–{MAX_CELL_METRES}, múltiplo de "
        f"{ROLLUP_CELL_METRES}); en hexágonos, lado del cuadrado de igual área.",
    )
    shape = serializers.ChoiceField(choices=["square", "hex"], required=False, default="square")

    def validate_cell(self, value):
        if not MIN_CELL_METRES <= value <= MAX_CELL_METRES or value % ROLLUP_CELL_METRES:
            raise serializers.ValidationError(
                f"cell debe ser un número de metros entre {MIN_CELL_METRES} y {MAX_CELL_METRES}, "
                f"múltiplo de {ROLLUP_CELL_METRES} (p. ej. 500)."
            )
        return value


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
