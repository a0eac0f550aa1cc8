"""Project-wide API conventions: the error format every endpoint shares."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def as_drf_validation_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A Django ValidationError (from a service or a geo.spatial check) as a DRF 400.

    A dict of field errors keeps its field names; a plain message list goes under `detail`.
    """
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


def exception_handler(exc, context):
    """DRF's handler, plus two project conventions.

    - A Django ValidationError raised by a service is a 400 with field-level messages (views call
      services without wrapping them in try/except).
    - Validation errors carry a top-level `detail` so clients always find a message; field-level
      messages stay under their field names, as DRF returns them.
    """
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_validation_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _("Datos inválidos. Revise los campos indicados."), **response.data}
    return response


JSON_PREFIXES = ("/api/", "/open311/")


def bad_request(request, exception, template_name="400.html"):
    """Django's 400 (e.g. a body Django itself refuses while reading it): JSON under the API prefixes,
    Django's own page elsewhere."""
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse(
            {"detail": _("Solicitud inválida: el servidor no pudo leer su contenido. Revísela y reenvíela.")},
            status=400,
        )
    return defaults.bad_request(request, exception, template_name)
