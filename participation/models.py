"""The planning loop of the local security councils: proposals, sessions, commitments, perception pulse.

Geometries are stored in EPSG:4326 like reports; a proposal applies to a point, an area drawn by the
citizen or a whole UPZ, and its locality and UPZ list are derived on the server (services.py).
Public outputs never carry the author's account: only `author_name` (initials or a chosen name).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from localities.models import Locality, Upz
from reports.models import Entity, Group, Report

from .querysets import ProposalQuerySet

TITLE_MAX = 140
BODY_MAX = 4000


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Abierta")
    SELECTED = "selected", _("En la agenda de una sesión")
    DISCUSSED = "discussed", _("Discutida")
    ACCEPTED = "accepted", _("Aceptada en un compromiso")
    DECLINED = "declined", _("No aceptada")
    WITHDRAWN = "withdrawn", _("Retirada")
    MERGED = "merged", _("Unida a otra")


class Where(models.TextChoices):
    POINT = "point", _("Un punto")
    AREA = "area", _("Un área dibujada")
    UPZ = "upz", _("Toda una UPZ")


class Proposal(models.Model):
    """A topic or meeting a signed-in citizen proposes to the council of a locality."""

    title = models.CharField(_("título"), max_length=TITLE_MAX)
    body = models.TextField(_("texto"), max_length=BODY_MAX)
    group = models.CharField(_("grupo de categorías"), max_length=20, choices=Group.choices)
    where = models.CharField(_("dónde aplica"), max_length=8, choices=Where.choices)
    point = models.PointField(_("punto"), srid=4326, null=True, blank=True)
    area = models.MultiPolygonField(_("área"), srid=4326, null=True, blank=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="proposals")
    upzs = models.ManyToManyField(Upz, related_name="proposals", blank=True, verbose_name=_("UPZ"))
    evidence = models.ManyToManyField(
        Report, related_name="proposals", blank=True, verbose_name=_("reportes")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="proposals"
    )
    author_name = models.CharField(_("nombre público del autor"), max_length=40)
    status = models.CharField(
        _("estado"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    public_reason = models.TextField(_("motivo público"), blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    support_count = models.PositiveIntegerField(_("apoyos"), default=0)
    hidden = models.BooleanField(_("oculta por moderación"), default=False)
    moderation_reason = models.TextField(_("motivo de moderación"), blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    is_demo = models.BooleanField(_("dato de demostración"), default=False, db_index=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("propuesta")
        verbose_name_plural = _("propuestas")
        ordering = ["-support_count", "-created_at"]

    def __str__(self):
        return self.title


class ProposalStatusChange(models.Model):
    """One step of a proposal's history (public: dates, statuses and the public note)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ProposalStatus.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ProposalSupport(models.Model):
    """One person's support of a proposal (one per account)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_person")]


class CouncilSession(models.Model):
    """A session of a locality's security council, scheduled by that locality's staff."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="council_sessions")
    title = models.CharField(_("título"), max_length=TITLE_MAX)
    starts_at = models.DateTimeField(_("inicio"))
    ends_at = models.DateTimeField(_("fin"))
    place_name = models.CharField(_("lugar"), max_length=200, blank=True)
    place_point = models.PointField(_("punto del lugar"), srid=4326, null=True, blank=True)
    virtual_url = models.URLField(_("enlace virtual"), blank=True)
    public = models.BooleanField(_("pública"), default=True)
    capacity = models.PositiveIntegerField(_("cupo"), default=50)
    period_from = models.DateField(_("periodo analizado desde"))
    period_to = models.DateField(_("periodo analizado hasta"))
    minutes = models.TextField(_("acta"), blank=True)
    minutes_published_at = models.DateTimeField(_("acta publicada"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("asistentes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("dato de demostración"), default=False, db_index=True)

    class Meta:
        verbose_name = _("sesión del consejo local")
        verbose_name_plural = _("sesiones del consejo local")
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.locality.code} {self.title} {self.starts_at:%Y-%m-%d}"


class ItemKind(models.TextChoices):
    PROPOSAL = "proposal", _("Propuesta ciudadana")
    STATS = "stats", _("Cifras de la localidad")
    HOTSPOTS = "hotspots", _("Puntos críticos")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    DISCUSSED = "discussed", _("Discutido")
    ACCEPTED = "accepted", _("Aceptado: compromiso")
    DECLINED = "declined", _("No aceptado")


class AgendaItem(models.Model):
    """A point of a session's agenda. `snapshot` keeps what was on the table on the day it was added."""

    session = models.ForeignKey(CouncilSession, on_delete=models.CASCADE, related_name="agenda")
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    snapshot = models.JSONField(default=dict)
    order = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "proposal"],
                condition=models.Q(proposal__isnull=False),
                name="proposal_once_per_session",
            )
        ]


class SessionAttachment(models.Model):
    """An image attached to the minutes, re-encoded like report photos (metadata stripped)."""

    session = models.ForeignKey(CouncilSession, on_delete=models.CASCADE, related_name="attachments")
    image = models.ImageField(upload_to="councils/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class Registration(models.Model):
    """A citizen registered to attend a session (one per account)."""

    session = models.ForeignKey(CouncilSession, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_registration_per_person")
        ]


class MailKind(models.TextChoices):
    INVITATION = "invitation", _("Invitación")
    REMINDER = "reminder", _("Recordatorio")


class MailState(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    SENT = "sent", _("Enviado")
    SKIPPED = "skipped", _("Omitido")


class SessionMail(models.Model):
    """The outbox of session e-mails: one invitation and at most one reminder per registration.

    Written in the transaction that registers the person (invitation) or by the periodic reminder
    job; a background job sends it (participation.tasks). The unique (registration, kind) constraint
    is what makes a repeated periodic run, a retried job or a restarted worker harmless.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(_("tipo"), max_length=12, choices=MailKind.choices)
    state = models.CharField(_("estado"), max_length=10, choices=MailState.choices, default=MailState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    last_error = models.TextField(_("último error"), blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)

    class Meta:
        verbose_name = _("correo de sesión")
        verbose_name_plural = _("correos de sesión")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="one_session_mail_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.registration_id}"


class CommitmentStatus(models.TextChoices):
    ON_TRACK = "on_track", _("En curso")
    OVERDUE = "overdue", _("Vencido")  # derived: on track past its due date (selectors)
    DONE = "done", _("Cumplido")
    DROPPED = "dropped", _("Abandonado")


class Commitment(models.Model):
    """What a council committed to in a session, who answers for it and by when."""

    session = models.ForeignKey(CouncilSession, on_delete=models.PROTECT, related_name="commitments")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="commitments")
    text = models.TextField(_("compromiso"), max_length=BODY_MAX)
    responsible = models.CharField(_("entidad responsable"), max_length=40, choices=Entity.choices)
    due_date = models.DateField(_("fecha límite"))
    point = models.PointField(_("punto"), srid=4326, null=True, blank=True)
    area = models.MultiPolygonField(_("área"), srid=4326, null=True, blank=True)
    proposals = models.ManyToManyField(Proposal, related_name="commitments", blank=True)
    reports = models.ManyToManyField(Report, related_name="commitments", blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.ON_TRACK
    )
    drop_reason = models.TextField(_("motivo"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("avance (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("dato de demostración"), default=False, db_index=True)

    class Meta:
        verbose_name = _("compromiso")
        verbose_name_plural = _("compromisos")
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.text[:60]


class CommitmentUpdate(models.Model):
    """A progress update of a commitment: percentage, note and an optional evidence photo."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    percent = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    note = models.TextField(max_length=BODY_MAX)
    photo = models.ImageField(upload_to="commitments/%Y/%m/", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class PulseAnswer(models.Model):
    """One anonymous answer to '¿Qué tan seguro se siente en esta zona?' (1–5) for a UPZ.

    No account, IP or device is stored: only the UPZ, the score and the day.
    """

    upz = models.ForeignKey(Upz, on_delete=models.PROTECT, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    answered_on = models.DateField(db_index=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="pulse_score_1_to_5")
        ]
