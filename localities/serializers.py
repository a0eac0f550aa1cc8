"""Input and output serializers of the territory API. GeoJSON per RFC 7946: [lon, lat], EPSG:4326."""

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.spatial import check_lonlat

from .models import Locality, Upz

# Six decimals of a degree are about 0.11 m at Bogotá's latitude: finer than the source polygons.
COORDINATE_PRECISION = 6
SIMPLIFY_MAX_METRES = 5000


@extend_schema_field(OpenApiTypes.OBJECT)
class ShapeField(GeometryField):
    """GeoJSON geometry read from the `shape` annotation (see VersionedQuerySet.with_shape), 6 decimals.

    Declared under the model field's name (`geom`) so drf-spectacular documents it as a MultiPolygon.
    """

    def __init__(self, **kwargs):
        super().__init__(source="shape", precision=COORDINATE_PRECISION, read_only=True, **kwargs)


def _finite(field: str):
    def check(value: float) -> None:
        if not math.isfinite(value):
            raise serializers.ValidationError(f"{field} debe ser un número finito (no NaN ni infinito).")

    return check


class LocalitySerializer(GeoFeatureModelSerializer):
    """A locality as a GeoJSON Feature: code, name, area in km² and number of urban UPZ."""

    geom = ShapeField()
    upz_count = serializers.IntegerField(read_only=True, help_text="Número de UPZ urbanas (sin UPR).")
    area_km2 = serializers.FloatField(read_only=True, help_text="Área en km², medida en EPSG:9377.")

    class Meta:
        model = Locality
        geo_field = "geom"
        id_field = False
        fields = ["code", "name", "area_km2", "upz_count"]


class UpzSerializer(GeoFeatureModelSerializer):
    """A UPZ (urban) or UPR (rural) planning unit as a GeoJSON Feature, with its locality's code."""

    geom = ShapeField()
    locality = serializers.CharField(
        source="locality.code", read_only=True, help_text="Código de la localidad."
    )

    class Meta:
        model = Upz
        geo_field = "geom"
        id_field = False
        fields = ["code", "name", "locality", "rural"]


class SimplifyQuerySerializer(serializers.Serializer):
    """`?simplify=<metres>` of the locality and UPZ lists (and the locality detail)."""

    simplify = serializers.FloatField(
        required=False,
        help_text=(
            f"Tolerancia de simplificación en metros (0 < m ≤ {SIMPLIFY_MAX_METRES}), aplicada en EPSG:9377 "
            "conservando la topología de cada polígono."
        ),
        error_messages={"invalid": "simplify debe ser un número de metros, p. ej. simplify=50."},
    )

    def validate_simplify(self, value: float) -> float:
        if not math.isfinite(value) or not 0 < value <= SIMPLIFY_MAX_METRES:
            raise serializers.ValidationError(
                f"simplify debe ser mayor que 0 y como máximo {SIMPLIFY_MAX_METRES} metros (recibido: {value:g})."
            )
        return value


class LocateQuerySerializer(serializers.Serializer):
    """Query string of /api/locate/: a WGS 84 point in decimal degrees."""

    lat = serializers.FloatField(
        min_value=-90,
        max_value=90,
        validators=[_finite("lat")],
        help_text="Latitud en grados decimales WGS 84 (Bogotá: entre 3.7 y 4.9).",
        error_messages={
            "required": "Falta lat: indique la latitud en grados decimales, p. ej. lat=4.5981.",
            "invalid": "lat debe ser un número en grados decimales, p. ej. lat=4.5981.",
            "max_value": "lat debe estar entre -90 y 90 grados.",
            "min_value": "lat debe estar entre -90 y 90 grados.",
        },
    )
    lon = serializers.FloatField(
        min_value=-180,
        max_value=180,
        validators=[_finite("lon")],
        help_text="Longitud en grados decimales WGS 84 (Bogotá: entre -74.5 y -73.9).",
        error_messages={
            "required": "Falta lon: indique la longitud en grados decimales, p. ej. lon=-74.0760.",
            "invalid": "lon debe ser un número en grados decimales, p. ej. lon=-74.0760.",
            "max_value": "lon debe estar entre -180 y 180 grados.",
            "min_value": "lon debe estar entre -180 y 180 grados.",
        },
    )

    def validate(self, attrs):
        # Swapped pairs and points far from Bogotá are refused here, before any geometry is built.
        check_lonlat(attrs["lon"], attrs["lat"])
        return attrs


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    """Where a point falls: its locality and its UPZ/UPR (null when no planning unit covers it)."""

    locality = UnitRefSerializer()
    upz = UnitRefSerializer(allow_null=True)
