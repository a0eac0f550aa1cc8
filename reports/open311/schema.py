"""OpenAPI descriptions of the Open311 documents (documentation only: the views build plain data).

GeoReport v2 answers most resources with a JSON *array* (services, requests, a single request,
the POST answer, tokens, errors); these serializers let drf-spectacular say so (`many=True`).
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ServiceDocument(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField()


class UnitDocument(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RequestDocument(serializers.Serializer):
    service_request_id = serializers.CharField(
        help_text="Id público del reporte (nunca el código de seguimiento)."
    )
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(
        allow_null=True, help_text="null en categorías sensibles y en reportes rechazados o duplicados."
    )
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField()
    address = serializers.CharField()
    lat = serializers.FloatField(required=False, help_text="Punto público generalizado (EPSG:4326).")
    long = serializers.FloatField(required=False, help_text="Punto público generalizado (EPSG:4326).")
    locality = UnitDocument()
    upz = UnitDocument(allow_null=True)


class CreatedDocument(serializers.Serializer):
    service_request_id = serializers.CharField()
    token = serializers.CharField(
        help_text="Igual a service_request_id: todos los servicios son en tiempo real."
    )
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)
    tracking_code = serializers.CharField(help_text="Extensión: solo para quien envía el reporte.")


class TokenDocument(serializers.Serializer):
    service_request_id = serializers.CharField()
    token = serializers.CharField()


class AttributeValueDocument(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeDocument(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = AttributeValueDocument(many=True, required=False)


class ServiceDefinitionDocument(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = AttributeDocument(many=True)


DISCOVERY = inline_serializer(
    "Open311Discovery",
    {
        "changeset": serializers.CharField(),
        "contact": serializers.CharField(),
        "key_service": serializers.CharField(),
        "endpoints": inline_serializer(
            "Open311Endpoint",
            {
                "specification": serializers.CharField(),
                "url": serializers.CharField(),
                "changeset": serializers.CharField(),
                "type": serializers.CharField(),
                "formats": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
    },
)

# A raw schema: drf-spectacular describes a `many=True` serializer on an error status as one object.
ERROR_LIST_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "description": "Código HTTP del error."},
            "description": {"type": "string", "description": "'campo: mensaje' en español."},
        },
        "required": ["code", "description"],
    },
}
ERRORS = OpenApiResponse(
    ERROR_LIST_SCHEMA,
    description="Lista de errores del estándar: [{code, description}] (XML: <errors><error>).",
    examples=[
        OpenApiExample(
            "Clave inválida",
            value=[{"code": 403, "description": "api_key inválida o revocada."}],
            status_codes=["403"],
        )
    ],
)
