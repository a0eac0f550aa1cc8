"""The e-mails themselves: subject, plain text and HTML. A reporter's e-mails are written in the
language their report was filed in (Report.language: Spanish or English, through this app's
catalogue in notifications/locale); staff digests in Spanish (es-CO).

Subjects carry no sensitive detail: never the description, and never the category of a sensitive
report (the subject shows on lock screens and in shared inboxes); the tracking code goes only in the
body's link.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from reports.models import Entity, Report, Response, StatusChange
from reports.models import Status as S

from .models import Kind, Notification
from .selectors import Digest


def absolute_url(path: str) -> str:
    """`path` on the public site (settings.SITE_URL, no trailing slash)."""
    return settings.SITE_URL.rstrip("/") + path


def _message(
    *, subject: str, template: str, context: dict, to: str, language: str = "es"
) -> EmailMultiAlternatives:
    with translation.override(language):
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def _about(report: Report) -> str:
    """'su reporte' plus the category, unless the category is sensitive (in the active language)."""
    if report.category.sensitive:
        return _("su reporte")
    english = translation.get_language() == "en" and report.category.name_en
    name = report.category.name_en if english else report.category.name_es
    return _("su reporte de «%(category)s»") % {"category": name}


def _when(moment) -> str:
    # Translators: a Django date format; English: "F j, Y, H:i".
    return formats.date_format(timezone.localtime(moment), _("j \\d\\e F \\d\\e Y, H:i"))


def reporter_message(*, notification: Notification, to: str) -> EmailMultiAlternatives:
    """The e-mail telling a reporter about one status change or public response of their report, in
    the language the report was filed in."""
    report = notification.report
    language = report.language or "es"
    with translation.override(language):
        context = {
            "report": report,
            "about": _about(report),
            "tracking_url": absolute_url(reverse("web-follow-detail", kwargs={"code": report.tracking_code})),
            "site_url": settings.SITE_URL.rstrip("/"),
            "language": language,
        }
        if notification.kind == Kind.STATUS_CHANGE:
            step = StatusChange.objects.get(pk=notification.event_id, report=report)
            status = str(S(step.to_status).label)
            context.update(
                step=step,
                when=_when(step.created_at),
                status=status,
                referred_to=str(Entity(report.referred_to).label)
                if step.to_status == S.REFERRED and report.referred_to
                else "",
            )
            subject = _("Convive Bogotá: %(about)s ahora está «%(status)s»") % {
                "about": context["about"],
                "status": status,
            }
            template = "reporter_status"
        else:
            response = Response.objects.get(pk=notification.event_id, report=report, public=True)
            context.update(response=response, when=_when(response.created_at))
            subject = _("Convive Bogotá: respuesta a %(about)s") % {"about": context["about"]}
            template = "reporter_response"
    return _message(subject=subject, template=template, context=context, to=to, language=language)


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
