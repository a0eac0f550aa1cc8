"""`Idempotency-Key` for POSTs from phones that retry: same key and body replay the first response.

Records are scoped by endpoint and caller: the user id when signed in, else a hash of the client IP
(see reports.throttles: REMOTE_ADDR unless NUM_PROXIES) together with the X-Device-Id header, so a
different caller who sends the same key and body never receives the first caller's answer (its
tracking code and exact point).

One statement beyond the handler's own: the handler runs inside a transaction, and its successful
answer is then claimed under the unique (scope, key) constraint *with* the answer in the same row
(INSERT … ON CONFLICT DO NOTHING, IdempotencyRecordQuerySet.claim), before the transaction commits.
When the key is already taken the whole transaction, the handler's writes included, rolls back and
the stored answer is replayed: a retry arriving after the original committed costs the handler's
work but writes nothing; a retry racing an uncommitted original blocks on the unique index until
the original commits and then replays it (or, if the original rolled back, becomes the original).
No record is ever visible without its answer. An expired record (IDEMPOTENCY_TTL_HOURS) is deleted
when its key comes back, and the key starts afresh. Only successful (2xx) responses are remembered:
a 400 can be corrected and resent with the same key.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 200
PENDING = 0


def request_fingerprint(request) -> str:
    """SHA-256 of the request body's meaning: fields (sorted) and the bytes of every uploaded file."""
    digest = hashlib.sha256()
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (multipart/form): keep repeated fields, drop files here
        items = {key: values for key, values in data.lists() if key not in request.FILES}
    else:
        items = data
    digest.update(json.dumps(items, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _scope(request, endpoint: str) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        caller = f"user:{user.pk}"
    else:
        device = request.META.get("HTTP_X_DEVICE_ID", "").strip()
        ip = BaseThrottle().get_ident(request)
        caller = "anon:" + hashlib.sha256(f"{ip}\n{device}".encode()).hexdigest()[:40]
    return f"{endpoint}|{caller}"[:100]


def idempotent(request, endpoint: str, handler) -> Response:
    """Run `handler()` (which returns a DRF Response) at most once per Idempotency-Key.

    Without the header the handler simply runs. The key must be at most 200 characters.
    """
    key = request.META.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        return Response(
            {"detail": f"La cabecera Idempotency-Key admite como máximo {MAX_KEY_LENGTH} caracteres."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    scope = _scope(request, endpoint)
    fingerprint = request_fingerprint(request)
    ttl = timedelta(hours=int(getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24)))
    with transaction.atomic():
        response = handler()
        if not 200 <= response.status_code < 300:
            transaction.set_rollback(True)
            return response
        body = json.dumps(response.data, default=str)  # stored as the replay will return it
        existing = None
        for _attempt in range(3):
            if IdempotencyRecord.objects.claim(
                scope=scope,
                key=key,
                request_hash=fingerprint,
                now=timezone.now(),
                status=response.status_code,
                body=body,
            ):
                return response
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:  # removed as expired by a concurrent retry: claim again
                continue
            if existing.created_at >= timezone.now() - ttl:
                break
            # Expired: forgotten, and the key starts afresh (rare, so checked only on this path).
            existing.delete()
            existing = None
        if existing is None:  # a concurrent retry of the expired key claimed it first
            existing = IdempotencyRecord.objects.get(scope=scope, key=key)
        # The key is taken: this attempt's writes are undone and the first answer is given.
        transaction.set_rollback(True)
        return _replay(existing, fingerprint)


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return Response(
            {
                "detail": (
                    "Esta Idempotency-Key ya se usó con otro contenido. Use una clave nueva para un "
                    "reporte distinto, o reenvíe exactamente el mismo contenido para obtener la respuesta original."
                ),
                "code": "idempotency_key_reused",
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if record.response_status == PENDING:  # written only by earlier versions, before the answer existed
        return Response(
            {
                "detail": "La solicitud original con esta Idempotency-Key aún se está procesando. Reintente en unos segundos."
            },
            status=status.HTTP_409_CONFLICT,
            headers={"Retry-After": "2"},
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response
