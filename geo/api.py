"""Project-wide API conventions: the error format every endpoint shares."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus a top-level `detail` on validation errors so clients always find a message.

    Field-level messages stay under their field names, as DRF returns them.
    """
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Datos inválidos. Revise los campos indicados.", **response.data}
    return response
