"""The outbox of e-mails the platform sends: one row per event, so nothing is sent twice.

A `Notification` is written in the same transaction as the event it announces (a status change or a
public response of a report whose reporter left an e-mail and consented to contact); a background
job (notifications.tasks) sends it. The unique (report, kind, event_id) constraint is what makes a
repeated or retried job harmless. `StaffDigest` plays the same role for the daily digest of a staff
member: one per user and local day.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STATUS_CHANGE = "status_change", _("Cambio de estado")
    PUBLIC_RESPONSE = "public_response", _("Respuesta pública")


class State(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    SENT = "sent", _("Enviada")
    SKIPPED = "skipped", _("Omitida")


class Notification(models.Model):
    """An e-mail to a report's reporter about one event of its history (StatusChange or Response id)."""

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("evento"), max_length=20, choices=Kind.choices)
    event_id = models.BigIntegerField(_("id del evento"), help_text=_("StatusChange or Response id."))
    state = models.CharField(_("estado"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    last_error = models.TextField(_("último error"), blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "event_id"], name="one_notification_per_event")
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="notification_state_created")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.event_id} ({self.report_id})"


class StaffDigest(models.Model):
    """The daily digest of one staff member for one local day (America/Bogota)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField(_("día"))
    new_count = models.PositiveIntegerField(_("nuevos"), default=0)
    overdue_count = models.PositiveIntegerField(_("vencidos"), default=0)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)

    class Meta:
        verbose_name = _("resumen diario")
        verbose_name_plural = _("resúmenes diarios")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]

    def __str__(self):
        return f"{self.user} {self.day}"
