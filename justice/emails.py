"""The e-mails to a citizen about their justice request, rendered in Spanish (es-CO).

They carry only what the tracking page shows without the code's holder having to say more: the
tracking code, the status, the appointment (date, place or virtual link) and a link to the tracking
page. Never the narrative, the parties, the contact details, the attention asked for or the office's
internal notes; the subject does not even carry the code (it shows on lock screens and shared inboxes).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import JusticeRequestChange, RequestStatus


def justice_message(*, change: JusticeRequestChange, to: str) -> EmailMultiAlternatives:
    """The e-mail announcing one step of a request (received, appointment scheduled, status changed)."""
    request = change.request
    site = settings.SITE_URL.rstrip("/")
    with translation.override("es"):
        status = str(RequestStatus(change.to_status).label)
        context = {
            "code": request.tracking_code,
            "status": status,
            "received": change.to_status == RequestStatus.RECEIVED,
            "appointment": change.to_status == RequestStatus.APPOINTMENT,
            "appointment_at": request.appointment_at,
            "appointment_place": request.appointment_place,
            "appointment_link": request.appointment_link,
            "tracking_url": site + reverse("web-justice-track", kwargs={"code": request.tracking_code}),
            "site_url": site,
        }
        if change.to_status == RequestStatus.RECEIVED:
            subject = "Convive Bogotá: recibimos su solicitud de justicia"
        elif change.to_status == RequestStatus.APPOINTMENT:
            subject = "Convive Bogotá: su solicitud de justicia tiene una cita"
        else:
            subject = f"Convive Bogotá: su solicitud de justicia ahora está «{status}»"
        text = render_to_string("justice/email/request_step.txt", context)
        html = render_to_string("justice/email/request_step.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message
