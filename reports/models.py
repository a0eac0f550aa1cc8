"""Citizen reports and everything that happens to them.

`Report.location` is the exact point (EPSG:4326) and is shown only to the reporter, the staff of its
locality and secretariat analysts. `Report.public_location` is the generalised point published to
everyone else (NULL for sensitive categories, which never appear as points in public).
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from localities.models import Locality, Upz

from .querysets import IdempotencyRecordQuerySet, ReportQuerySet

DESCRIPTION_MAX_LENGTH = 4000  # GeoReport v2 allows descriptions of up to 4000 characters
# Crockford-style alphabet without 0/O/1/I/L so codes survive being read aloud or copied by hand.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 31**10 ≈ 8e14 codes: unguessable at any plausible request rate


def new_tracking_code() -> str:
    """A random, unguessable tracking code such as 'K7Q2-MX9P4B' without the dash (10 characters)."""
    # One read of the system's random source (secrets.choice read it once per character, which cost
    # a filed report more than its history insert); bytes past the last whole multiple of the
    # alphabet's size are dropped, so every character stays uniform.
    limit = 256 - 256 % len(TRACKING_ALPHABET)
    code = ""
    while len(code) < TRACKING_LENGTH:
        code += "".join(
            TRACKING_ALPHABET[b % len(TRACKING_ALPHABET)] for b in secrets.token_bytes(16) if b < limit
        )
    return code[:TRACKING_LENGTH]


class Group(models.TextChoices):
    SEGURIDAD = "seguridad", _("Seguridad")
    CONVIVENCIA = "convivencia", _("Convivencia")


class Entity(models.TextChoices):
    """Kinds of entity that can be responsible for a category or receive a referral."""

    ALCALDIA_LOCAL = "alcaldia_local", _("Alcaldía local")
    POLICIA = "policia", _("Policía Metropolitana de Bogotá")
    COMISARIA_FAMILIA = "comisaria_familia", _("Comisaría de familia")
    FISCALIA = "fiscalia", _("Fiscalía General de la Nación")
    INSPECCION_POLICIA = "inspeccion_policia", _("Inspección de policía")
    SECRETARIA_SEGURIDAD = "secretaria_seguridad", _("Secretaría de Seguridad, Convivencia y Justicia")
    SECRETARIA_MUJER = "secretaria_mujer", _("Secretaría de la Mujer")
    UAESP = "uaesp", _("UAESP (alumbrado y aseo)")
    IDPYBA = "idpyba", _("Instituto de Protección y Bienestar Animal")
    SECRETARIA_AMBIENTE = "secretaria_ambiente", _("Secretaría de Ambiente")
    DADEP = "dadep", _("Defensoría del Espacio Público")
    OTRA = "otra", _("Otra entidad")


class Category(models.Model):
    """A kind of security or coexistence problem (taxonomy in data/categories.toml)."""

    code = models.SlugField(_("código"), max_length=40, unique=True)
    name_es = models.CharField(_("nombre (es)"), max_length=120)
    name_en = models.CharField(_("nombre (en)"), max_length=120)
    description_es = models.TextField(_("descripción (es)"), blank=True)
    description_en = models.TextField(_("descripción (en)"), blank=True)
    group = models.CharField(_("grupo"), max_length=20, choices=Group.choices)
    sensitive = models.BooleanField(
        _("sensible"), default=False, help_text=_("Never shown as a point in public outputs.")
    )
    responsible = models.CharField(_("entidad responsable"), max_length=40, choices=Entity.choices)
    response_days = models.PositiveSmallIntegerField(_("días de respuesta esperados"))
    active = models.BooleanField(_("activa"), default=True)
    order = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("categoría")
        verbose_name_plural = _("categorías")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name_es


class Status(models.TextChoices):
    RECEIVED = "received", _("Recibido")
    IN_REVIEW = "in_review", _("En revisión")
    REFERRED = "referred", _("Remitido")
    IN_PROGRESS = "in_progress", _("En gestión")
    RESOLVED = "resolved", _("Resuelto")
    CLOSED_NO_ACTION = "closed_no_action", _("Cerrado sin acción")
    REJECTED = "rejected", _("Rechazado")
    DUPLICATE = "duplicate", _("Duplicado")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_REVIEW, Status.REFERRED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED_NO_ACTION, Status.REJECTED, Status.DUPLICATE)


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("Aplicación móvil")
    OPEN311 = "open311", _("Open311")


# `description__length` in Report's check constraint.
models.TextField.register_lookup(Length)


def filing_language() -> str:
    """The active language (LocaleMiddleware: the request's Accept-Language, cookie or choice) as one
    of settings.LANGUAGES ('es' or 'en'); 'es' outside a request or for any other language."""
    code = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else "es"


class Report(models.Model):
    """A problem pinned on the map by a citizen. Locality and UPZ come from the point, on the server."""

    tracking_code = models.CharField(
        _("código de seguimiento"), max_length=16, unique=True, default=new_tracking_code, editable=False
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(_("descripción"), max_length=DESCRIPTION_MAX_LENGTH)
    location = models.PointField(_("ubicación exacta"), srid=4326)
    public_location = models.PointField(
        _("ubicación pública (generalizada)"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Snapped to the public grid; empty for sensitive categories."),
    )
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="reports")
    upz = models.ForeignKey(Upz, on_delete=models.PROTECT, related_name="reports", null=True, blank=True)
    occurred_at = models.DateTimeField(_("ocurrió"))
    created_at = models.DateTimeField(_("recibido"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("estado"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reportante"),
    )
    referred_to = models.CharField(_("remitido a"), max_length=40, choices=Entity.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    hidden = models.BooleanField(_("oculto por moderación"), default=False)
    moderation_reason = models.TextField(_("motivo de moderación"), blank=True)
    # Redaction keeps `description` as the text every output shows (API, pages, Open311, exports) and
    # the words as typed here, for moderators and admins only (reports.access.can_see_original_text).
    # db_default: bulk inserts in raw SQL (seed_demo, benchmarks) need not name the column.
    description_original = models.TextField(
        _("descripción original (antes de editar datos personales)"), blank=True, default="", db_default=""
    )
    redacted_at = models.DateTimeField(_("datos personales editados"), null=True, blank=True)
    # Derivable from the history, kept on the row so statistics stay single-table aggregates.
    first_response_at = models.DateTimeField(_("primera respuesta"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cerrado"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("apoyos"), default=0)
    is_demo = models.BooleanField(_("dato de demostración"), default=False, db_index=True)
    # The language the report was filed in (the request's, see filing_language): the reporter's
    # e-mails are written in it. db_default for raw-SQL bulk inserts, like description_original.
    language = models.CharField(
        _("idioma"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=filing_language,
        db_default="es",
        editable=False,
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporte")
        verbose_name_plural = _("reportes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["locality", "created_at"], name="report_locality_created"),
            models.Index(fields=["category", "created_at"], name="report_category_created"),
            models.Index(fields=["status", "created_at"], name="report_status_created"),
            models.Index(fields=["upz", "created_at"], name="report_upz_created"),
            # The rollup's incremental pass (maps.services.rollups_refresh: updated_at > watermark)
            # and the exports' data version (max(updated_at)) read by it.
            models.Index(fields=["updated_at"], name="report_updated_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(description__length__lte=DESCRIPTION_MAX_LENGTH), name="report_description_length"
            ),
        ]

    def __str__(self):
        return self.tracking_code


class AbuseReport(models.Model):
    """A citizen's "reportar abuso" on a public report, waiting in the moderation queue.

    Nothing about who sent it is kept (no account, no IP): the queue only needs the report and why.
    """

    class Reason(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("Publica datos personales (nombres, teléfonos, direcciones)")
        OFFENSIVE = "offensive", _("Lenguaje ofensivo o discriminatorio")
        FALSE = "false", _("Información falsa o spam")
        OTHER = "other", _("Otro motivo")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="abuse_reports")
    reason = models.CharField(_("motivo"), max_length=20, choices=Reason.choices)
    detail = models.TextField(_("detalle"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("atendido"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("aviso de abuso")
        verbose_name_plural = _("avisos de abuso")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Abuso en {self.report_id}: {self.reason}"


class ReportContact(models.Model):
    """How to reach a reporter who asked to be contacted. Stored apart; only handling staff see it."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("nombre"), max_length=120, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    consent_at = models.DateTimeField(_("consentimiento"))

    class Meta:
        verbose_name = _("contacto del reportante")
        verbose_name_plural = _("contactos de reportantes")

    def __str__(self):
        return f"Contacto de {self.report_id}"


class ReportPhoto(models.Model):
    """A photo re-encoded by the server (metadata, GPS included, stripped)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("imagen"), upload_to="reports/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("foto")
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class StatusChange(models.Model):
    """One step of a report's workflow: who moved it, when, from which status to which, and why."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("cambio de estado")
        verbose_name_plural = _("cambios de estado")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report_id}: {self.from_status or '∅'} → {self.to_status}"


class Response(models.Model):
    """An answer from the administration. Public responses are shown to everyone, timestamped."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(_("respuesta"), max_length=DESCRIPTION_MAX_LENGTH)
    public = models.BooleanField(_("pública"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("respuesta")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Respuesta a {self.report_id}"


class Support(models.Model):
    """A 'me too' from a citizen: one per account, or per device for anonymous citizens."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("apoyo")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=Q(user__isnull=False), name="one_support_per_user"
            ),
            models.UniqueConstraint(
                fields=["report", "device_hash"], condition=~Q(device_hash=""), name="one_support_per_device"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(device_hash=""), name="support_has_author"
            ),
        ]

    def __str__(self):
        return f"Apoyo a {self.report_id}"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries."""

    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=100, help_text=_("Endpoint and caller the key belongs to."))
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = IdempotencyRecordQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")]

    def __str__(self):
        return self.key


class Role(models.TextChoices):
    LOCALITY_STAFF = "locality_staff", _("Funcionario de alcaldía local")
    ANALYST = "analyst", _("Analista de la Secretaría")
    MODERATOR = "moderator", _("Moderador")


class StaffProfile(models.Model):
    """The institutional role of a user. Citizens have none; admins are Django superusers.

    Locality staff act only on reports whose locality code is in `locality_codes` (codes, not rows,
    so an assignment survives a new boundary version).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    locality_codes = ArrayField(models.CharField(max_length=2), default=list, blank=True)

    class Meta:
        verbose_name = _("perfil institucional")
        verbose_name_plural = _("perfiles institucionales")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Open311Client(models.Model):
    """An organisation allowed to POST Open311 service requests, with an admin-issued API key.

    Only a SHA-256 of the key is stored; the key itself is shown once, when it is issued.
    """

    name = models.CharField(_("nombre"), max_length=120)
    contact_email = models.EmailField(_("correo de contacto"), blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("activa"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cliente Open311")
        verbose_name_plural = _("clientes Open311")

    def __str__(self):
        return self.name
