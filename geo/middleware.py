"""Project-wide request guards."""

from django.conf import settings
from django.http import JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse with 413 (JSON, Spanish) any request whose declared body is over settings.REQUEST_MAX_BYTES.

    Django limits in-memory form data (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to disk
    without any cap, and DRF's JSON parser reads the stream directly; so a 50 MB upload would be
    read in full before a photo validator could say no. Checking Content-Length first refuses it
    before the body is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "REQUEST_MAX_BYTES", None)
        if limit:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(
                    {"detail": "Cabecera Content-Length inválida. Envíe la longitud del cuerpo en bytes."},
                    status=400,
                )
            if length > limit:
                return JsonResponse(
                    {
                        "detail": (
                            f"La solicitud pesa {length / 1048576:.1f} MB y el máximo es "
                            f"{limit / 1048576:.0f} MB. Envíe menos fotos o fotos más livianas "
                            f"(máximo {settings.REPORT_PHOTO_MAX_BYTES / 1048576:.0f} MB cada una)."
                        ),
                        "max_bytes": limit,
                    },
                    status=413,
                )
        return self.get_response(request)
