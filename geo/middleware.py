"""Project-wide request guards."""

import errno
import json
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


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


# Deepest nesting of arrays/objects accepted in a JSON body. Report bodies nest 3 levels; Python's
# json module raises RecursionError on a few thousand levels (a 500), and deep structures are slow
# to walk everywhere they are used afterwards.
JSON_MAX_DEPTH = 32
NUL = "\x00"


def _json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status)


def _refuse(request, message: str, status: int, *, field: str | None = None, **extra) -> HttpResponse:
    """The refusal in the caller's API dialect: Open311's error list under /open311/, else {"detail"}.

    GeoReport v2 clients parse every answer as a list of {code, description} (XML for a `.xml`
    path), and the Open311 views prefix descriptions with the field at fault; the same holds here.
    """
    if not request.path.startswith("/open311/"):
        return _json_error(message, status, **extra)
    from reports.open311.renderers import to_xml  # geo stays importable without the reports app

    errors = [{"code": status, "description": f"{field}: {message}" if field else message}]
    if request.path.endswith(".xml"):
        return HttpResponse(
            to_xml(errors, root="errors"), status=status, content_type="text/xml; charset=utf-8"
        )
    return JsonResponse(errors, status=status, safe=False)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def json_problem(data) -> str | None:
    """Why a parsed JSON value is refused (too deep, or a NUL character in a key or string), or None.

    Walks the value iteratively, so its own depth cannot exhaust the Python stack.
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return "nul"
        elif isinstance(value, dict | list):
            if depth > JSON_MAX_DEPTH:
                return "depth"
            if isinstance(value, dict):
                for key, item in value.items():
                    if NUL in key:
                        return "nul"
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
    return None


NUL_MESSAGE = (
    "La solicitud contiene el carácter nulo (NUL, \\u0000 o %00), que no se admite en ningún texto. "
    "Quítelo y reenvíe."
)


class InputGuardMiddleware:
    """Refuse with a JSON 4xx, before any view runs, input that would otherwise end in a 500 or HTML.

    - a NUL character in the path, a query-string key or value, a header, a form field or any JSON
      string (PostgreSQL text cannot hold NUL: psycopg raises DataError) → 400;
    - a JSON body nested deeper than JSON_MAX_DEPTH, or one Python cannot parse without exhausting
      its stack → 400;
    - a body that is not multipart and is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (Django would
      answer its own HTML 400 when the body is read) → 413.

    Multipart bodies (photos) are streamed and limited by RequestSizeLimitMiddleware; their text fields
    are checked by geo.parsers.MultiPartParser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request) -> HttpResponse | None:
        if NUL in request.path:
            return _refuse(request, NUL_MESSAGE, 400)
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in v for v in values):
                return _refuse(request, NUL_MESSAGE, 400, field=key.replace(NUL, ""))
        if any(NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
            return _refuse(request, NUL_MESSAGE, 400)
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.lower().startswith("multipart/"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _refuse(
                request,
                f"El cuerpo de la solicitud pesa {length / 1048576:.1f} MB y el máximo para datos sin archivos "
                f"es {limit / 1048576:.1f} MB. Envíe menos datos.",
                413,
                max_bytes=limit,
            )
        if length == 0 or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if _is_json(content_type):
            return self._json_refusal(request)
        form = content_type.lower().startswith("application/x-www-form-urlencoded")
        if form and any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists()):
            return _refuse(request, NUL_MESSAGE, 400)
        return None

    def _json_refusal(self, request) -> HttpResponse | None:
        try:
            data = json.loads(request.body)
        except RecursionError:
            data, problem = None, "depth"
        except ValueError:
            return None  # not JSON at all: the view's parser answers with its own 400
        else:
            problem = json_problem(data)
        if problem == "depth":
            return _refuse(
                request,
                f"El JSON está anidado a más de {JSON_MAX_DEPTH} niveles. Envíe una estructura más plana.",
                400,
            )
        if problem == "nul":
            return _refuse(request, NUL_MESSAGE, 400)
        return None


# errno values that mean "the disk (or the quota) is full" when writing media.
STORAGE_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
STORAGE_FULL_MESSAGE = (
    "El servidor no tiene espacio para guardar archivos en este momento y su reporte NO quedó "
    "registrado. Inténtelo de nuevo en unos minutos (puede reenviar con la misma Idempotency-Key)."
)


DATABASE_UNAVAILABLE_MESSAGE = (
    "La base de datos no responde en este momento (reinicio o mantenimiento); nada de esta solicitud "
    "quedó a medias. Reintente en unos segundos (un reporte, con la misma Idempotency-Key)."
)


def _database_unavailable(request, exception) -> HttpResponse:
    """503 with Retry-After for a lost database connection: the transaction rolled back, a retry is safe."""
    logger.error("database unavailable: %s", exception.__class__.__name__, extra={"path": request.path})
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse(
            {"detail": DATABASE_UNAVAILABLE_MESSAGE, "code": "database_unavailable"}, status=503
        )
    else:
        response = HttpResponse(
            DATABASE_UNAVAILABLE_MESSAGE, status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = "5"
    return response


class StorageFullMiddleware:
    """A full media disk answers 507 Insufficient Storage (Spanish, Retry-After) instead of a bare 500;
    a database that cannot be reached (restart, failover) answers 503 with Retry-After.

    Writes that save files (report photos) run inside the service's transaction, so when the disk is
    full the report, its history and its idempotency record roll back together: nothing half-written
    is left in the database, and the client may simply retry later with the same key.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return _database_unavailable(request, exception)
        if not isinstance(exception, OSError) or exception.errno not in STORAGE_FULL_ERRNOS:
            return None
        logger.error("media storage full: %s", exception, extra={"path": request.path})
        if request.path.startswith(("/api/", "/open311/")):
            response = JsonResponse({"detail": STORAGE_FULL_MESSAGE, "code": "storage_full"}, status=507)
        else:
            response = HttpResponse(
                STORAGE_FULL_MESSAGE, status=507, content_type="text/plain; charset=utf-8"
            )
        response["Retry-After"] = "300"
        return response
