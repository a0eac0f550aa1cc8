"""The e-mails themselves: subject, plain text and HTML, always rendered in Spanish (es-CO).

Reports do not record the language they were filed in, so every reporter e-mail is Spanish. Subjects
carry no sensitive detail: never the description, and never the category of a sensitive report (the
subject shows on lock screens and in shared inboxes); the tracking code goes only in the body's link.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports.models import Entity, Report, Response, StatusChange
from reports.models import Status as S

from .models import Kind, Notification
from .selectors import Digest


def absolute_url(path: str) -> str:
    """`path` on the public site (settings.SITE_URL, no trailing slash)."""
    return settings.SITE_URL.rstrip("/") + path


def _message(*, subject: str, template: str, context: dict, to: str) -> EmailMultiAlternatives:
    with translation.override("es"):
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def _about(report: Report) -> str:
    """'su reporte' plus the category, unless the category is sensitive."""
    if report.category.sensitive:
        return "su reporte"
    return f"su reporte de «{report.category.name_es}»"


def reporter_message(*, notification: Notification, to: str) -> EmailMultiAlternatives:
    """The e-mail telling a reporter about one status change or public response of their report."""
    report = notification.report
    with translation.override("es"):
        context = {
            "report": report,
            "about": _about(report),
            "tracking_url": absolute_url(reverse("web-follow-detail", kwargs={"code": report.tracking_code})),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        if notification.kind == Kind.STATUS_CHANGE:
            step = StatusChange.objects.get(pk=notification.event_id, report=report)
            status = str(S(step.to_status).label)
            context.update(
                step=step,
                status=status,
                referred_to=str(Entity(report.referred_to).label)
                if step.to_status == S.REFERRED and report.referred_to
                else "",
            )
            subject = f"Convive Bogotá: {_about(report)} ahora está «{status}»"
            template = "reporter_status"
        else:
            response = Response.objects.get(pk=notification.event_id, report=report, public=True)
            context.update(response=response)
            subject = f"Convive Bogotá: respuesta a {_about(report)}"
            template = "reporter_response"
    return _message(subject=subject, template=template, context=context, to=to)


def digest_message(*, digest: Digest, user, day) -> EmailMultiAlternatives:
    """A staff member's daily digest: counts in the subject, the lists (no descriptions) in the body."""
    context = {
        "user": user,
        "day": day,
        "digest": digest,
        "workbench_url": absolute_url(settings.NOTIFICATIONS_STAFF_PATH),
    }
    subject = (
        f"Convive Bogotá: resumen del {day:%d/%m/%Y}: "
        f"{digest.new_count} nuevo{'s' if digest.new_count != 1 else ''}, "
        f"{digest.overdue_count} vencido{'s' if digest.overdue_count != 1 else ''}"
    )
    return _message(subject=subject, template="staff_digest", context=context, to=user.email)
