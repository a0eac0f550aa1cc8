"""Public API of the procedures guide ("¿Qué hago si…?"), read from data/procedures.toml, in the request's
language (Accept-Language or the site's language switch: English, else Spanish)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..procedures import procedure_categories, procedure_get, procedure_localized, procedure_search
from ..serializers import ProcedureQuerySerializer, ProcedureSerializer
from .directory import TAG, VALIDATION_ERROR, _validated


def _with_categories(entry: dict) -> dict:
    return {**procedure_localized(entry), "categories": procedure_categories(entry["code"])}


class ProcedureListView(APIView):
    """The guide, searchable by words or by report category; life-risk situations first."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Guía «¿Qué hago si…?»",
        description=(
            "Situaciones frecuentes con la entidad que las atiende, qué llevar, si se pueden iniciar en línea "
            "y las leyes que las sustentan. Donde hay riesgo para la vida, `emergency` trae primero la Línea "
            "123 (y la Línea Púrpura 018000112137 en violencias contra las mujeres). Orienta; no es asesoría legal. "
            "Los textos sin sufijo (`title`, `summary`, `steps`…) vienen en el idioma de la petición "
            "(Accept-Language: en para inglés; español por defecto)."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Palabras a buscar, p. ej. «ruido vecino»."),
            OpenApiParameter(
                "category", OpenApiTypes.STR, description="Código de categoría de reporte, p. ej. ruido."
            ),
        ],
        responses={200: ProcedureSerializer(many=True), 400: VALIDATION_ERROR},
    )
    def get(self, request):
        query = _validated(ProcedureQuerySerializer, request)
        entries = procedure_search(q=query.get("q"), category=query.get("category"))
        return Response(ProcedureSerializer([_with_categories(e) for e in entries], many=True).data)


class ProcedureDetailView(APIView):
    """One situation of the guide."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Un trámite de la guía",
        responses={
            200: ProcedureSerializer,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No existe."),
        },
    )
    def get(self, request, code: str):
        entry = procedure_get(code)
        if entry is None:
            raise NotFound(f"No existe el trámite «{code}». Vea la guía en /api/procedures/.")
        return Response(ProcedureSerializer(_with_categories(entry)).data)
