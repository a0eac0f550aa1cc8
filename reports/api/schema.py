"""OpenAPI details of the reports API that drf-spectacular cannot infer from the serializers.

Imported by reports.api so the extensions register before the schema is generated.
"""

from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension


class _NullableGeometry(GeoFeatureModelSerializerExtension):
    """The Feature schema of rest_framework_gis, with `geometry` nullable: sensitive categories have no
    public point, so their Features carry `"geometry": null` (RFC 7946 §3.2 allows it)."""

    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        geometry = schema.get("properties", {}).get("geometry")
        if geometry is not None:
            geometry["nullable"] = True
            # The library's example point is in India; show one in Bogotá ([lon, lat]).
            coordinates = geometry.get("properties", {}).get("coordinates", {})
            if "example" in coordinates:
                coordinates["example"] = [-74.0719, 4.6096]
        return schema


class PublicReportFeature(_NullableGeometry):
    target_class = "reports.serializers.PublicReportSerializer"
    match_subclasses = True


class StaffReportFeature(_NullableGeometry):
    # Moderators see generalised points only, so sensitive reports are null for them too.
    target_class = "reports.serializers.StaffReportSerializer"
    match_subclasses = True
