"""Access to justice: service points, police quadrants and virtual justice requests.

Geometries are stored in EPSG:4326 with GiST indexes (GeoDjango creates one for every geometry field);
distances are measured in metres on the WGS 84 spheroid. Locality and UPZ of a service come from the
platform's own boundaries (localities.selectors.locate_point); the code written in the source file is
kept beside them, and a disagreement is flagged, never silently fixed.

Virtual justice requests are private: they are never part of any public output. Their narrative,
parties and contact details are encrypted at rest (justice.crypto).
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from localities.models import Locality, Upz

from .crypto import EncryptedTextField
from .querysets import QuadrantQuerySet, ServicePointQuerySet


class ServiceKind(models.TextChoices):
    CAI = "cai", _("CAI (Comando de Atención Inmediata)")
    POLICE_STATION = "estacion_policia", _("Estación de policía")
    FAMILY_COMMISSARY = "comisaria_familia", _("Comisaría de familia")
    POLICE_INSPECTION = "inspeccion_policia", _("Inspección de policía")
    JUSTICE_HOUSE = "casa_justicia", _("Casa de justicia")
    MEDIATION_UNIT = "unidad_mediacion", _("Unidad de mediación y conciliación")
    LOCAL_MAYOR = "alcaldia_local", _("Alcaldía local")


class Dataset(models.TextChoices):
    """Where a service point or quadrant came from; each dataset is imported and versioned on its own."""

    CAI_2022 = "cai_2022", _("CAI 2022 (SDSCJ)")
    POLICE_STATIONS = "estaciones_policia", _("Estaciones de policía (SDSCJ)")
    FAMILY_COMMISSARIES = "comisarias_familia", _("Comisarías de familia (SDIS)")
    POLICE_INSPECTIONS_2017 = "inspecciones_policia_2017", _("Inspecciones de policía 2017")
    QUADRANTS_2022 = "cuadrantes_policia_2022", _("Cuadrantes de policía 2022 (SDSCJ/MEBOG)")
    CSV = "csv", _("Archivo CSV de la Secretaría")
    MANUAL = "manual", _("Registro manual (administración)")


class DirectoryImport(models.Model):
    """One import of one dataset (a version). Re-importing identical content creates nothing.

    Rows are upserted by their stable `code`; a row absent from a newer import is withdrawn
    (`active=False`), not deleted, so requests routed to it keep their office.
    """

    dataset = models.CharField(_("conjunto de datos"), max_length=40, choices=Dataset.choices)
    source = models.TextField(_("fuente"))
    checksum = models.CharField(_("huella"), max_length=64)
    created_at = models.DateTimeField(_("importado"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("filas"))
    warnings = models.JSONField(_("avisos"), default=list, blank=True)

    class Meta:
        verbose_name = _("importación del directorio")
        verbose_name_plural = _("importaciones del directorio")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "checksum"], name="directory_import_unique_content")
        ]

    def __str__(self):
        return f"{self.get_dataset_display()} · {self.created_at:%Y-%m-%d} · {self.rows} filas"


class ServicePoint(models.Model):
    """A security or justice office citizens can go to: CAI, station, comisaría, inspección, casa de justicia…

    `location` is a Point in EPSG:4326. `schedule` is a list of weekly intervals
    `{"days": [0..6] (Monday = 0), "opens": "HH:MM", "closes": "HH:MM"}` in America/Bogota time, empty
    when the source text could not be parsed (`schedule_text` always keeps the verbatim text).
    `phones` is a list of `{"number": "+576013808330", "display": "601 380 8330", "extension": "…"}`.
    """

    kind = models.CharField(_("tipo"), max_length=24, choices=ServiceKind.choices, db_index=True)
    code = models.SlugField(_("código estable"), max_length=80, unique=True)
    name = models.CharField(_("nombre"), max_length=160)
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    phone_text = models.CharField(_("teléfono (texto de la fuente)"), max_length=200, blank=True)
    phones = models.JSONField(_("teléfonos"), default=list, blank=True)
    schedule_text = models.CharField(_("horario (texto de la fuente)"), max_length=200, blank=True)
    schedule = models.JSONField(_("horario estructurado"), default=list, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    website = models.URLField(_("sitio web"), blank=True)
    station_code = models.CharField(
        _("código policial"), max_length=20, blank=True, help_text=_("E.g. E03 or E01-07 (2019 CAI layer).")
    )
    location = models.PointField(_("ubicación"), srid=4326)
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("localidad"),
    )
    upz = models.ForeignKey(
        Upz, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("UPZ / UPR")
    )
    source_locality_code = models.CharField(
        _("localidad según la fuente"), max_length=2, blank=True, help_text=_("Kept when it disagrees.")
    )
    source_upz_code = models.CharField(_("UPZ según la fuente"), max_length=12, blank=True)
    data_year = models.PositiveSmallIntegerField(_("año de los datos"), null=True, blank=True)
    data_note = models.CharField(
        _("nota sobre los datos"),
        max_length=200,
        blank=True,
        help_text=_("Shown to citizens, e.g. datos de 2017."),
    )
    dataset = models.CharField(_("conjunto de datos"), max_length=40, choices=Dataset.choices)
    last_import = models.ForeignKey(
        DirectoryImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="points"
    )
    active = models.BooleanField(_("vigente"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("punto de servicio")
        verbose_name_plural = _("puntos de servicio")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "active"], name="servicepoint_kind_active")]

    def __str__(self):
        return self.name

    @property
    def locality_disagrees(self) -> bool:
        """True when the locality code of the source differs from the polygon that holds the point."""
        return bool(
            self.source_locality_code and self.locality and self.locality.code != self.source_locality_code
        )


class PoliceQuadrant(models.Model):
    """A police quadrant (cuadrante): polygon in EPSG:4326, its station, CAI and patrol phone."""

    code = models.CharField(_("código"), max_length=40, unique=True)
    number = models.CharField(_("número de cuadrante"), max_length=40, blank=True)
    station_name = models.CharField(_("estación"), max_length=120, blank=True)
    cai_name = models.CharField(_("CAI"), max_length=120, blank=True)
    phone = models.CharField(_("teléfono del cuadrante"), max_length=60, blank=True)
    station = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estación"),
    )
    cai = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CAI"),
    )
    source_locality_code = models.CharField(_("localidad según la fuente"), max_length=2, blank=True)
    geom = models.MultiPolygonField(_("polígono"), srid=4326)
    data_year = models.PositiveSmallIntegerField(_("año de los datos"), null=True, blank=True)
    last_import = models.ForeignKey(
        DirectoryImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="quadrants"
    )
    active = models.BooleanField(_("vigente"), default=True)

    objects = QuadrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("cuadrante de policía")
        verbose_name_plural = _("cuadrantes de policía")
        ordering = ["code"]

    def __str__(self):
        return self.code


# ---------------------------------------------------------------------------------------------------
# Virtual justice requests (private)
# ---------------------------------------------------------------------------------------------------

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_PREFIX = "J"  # tells a justice request code apart from a report's at a glance
TRACKING_LENGTH = 10


def new_request_code() -> str:
    """A random, unguessable code 'J' + 10 characters (31**10 ≈ 8e14 values)."""
    return TRACKING_PREFIX + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class Attention(models.TextChoices):
    """What the citizen asks for; decides which office of the locality receives the request."""

    LEGAL_GUIDANCE = "orientacion_juridica", _("Orientación jurídica")
    CONCILIATION = "conciliacion", _("Conciliación")
    COMPLAINT = "querella_inspeccion", _("Querella ante inspección de policía")
    PROTECTION = "medida_proteccion", _("Medida de protección ante comisaría de familia")


class RequestStatus(models.TextChoices):
    RECEIVED = "recibida", _("Recibida")
    ASSIGNED = "asignada", _("Asignada")
    APPOINTMENT = "cita_programada", _("Cita programada")
    ATTENDED = "atendida", _("Atendida")
    REFERRED = "remitida", _("Remitida")
    CLOSED = "cerrada", _("Cerrada")


FINAL_STATUSES = (RequestStatus.ATTENDED, RequestStatus.REFERRED, RequestStatus.CLOSED)


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Correo electrónico")
    PHONE = "phone", _("Llamada telefónica")
    WHATSAPP = "whatsapp", _("WhatsApp")


class JusticeRequest(models.Model):
    """A citizen's request for orientation or attention, routed to an office of their locality.

    Never public, in any form. `narrative`, `parties`, `contact_name`, `contact_email` and
    `contact_phone` are Fernet-encrypted in the database; only staff of the receiving locality
    (and admins) read them, in the workbench (/gestion/justicia/) or the staff API, and each read is recorded.
    """

    tracking_code = models.CharField(
        _("código de seguimiento"), max_length=16, unique=True, default=new_request_code, editable=False
    )
    attention = models.CharField(_("atención solicitada"), max_length=24, choices=Attention.choices)
    situation = models.SlugField(_("situación (guía de trámites)"), max_length=60, blank=True)
    narrative = EncryptedTextField(_("relato"))
    parties = EncryptedTextField(_("partes involucradas"), blank=True)
    contact_name = EncryptedTextField(_("nombre"), blank=True)
    contact_email = EncryptedTextField(_("correo"), blank=True)
    contact_phone = EncryptedTextField(_("teléfono"), blank=True)
    preferred_channel = models.CharField(
        _("contacto preferido"), max_length=10, choices=ContactChannel.choices
    )
    preferred_times = models.CharField(_("horario preferido"), max_length=200, blank=True)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="+", verbose_name=_("localidad")
    )
    office = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="justice_requests",
        verbose_name=_("despacho que recibe"),
    )
    status = models.CharField(
        _("estado"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    appointment_at = models.DateTimeField(_("fecha de la cita"), null=True, blank=True)
    appointment_place = models.CharField(_("lugar de la cita"), max_length=200, blank=True)
    appointment_link = models.URLField(_("enlace de la cita virtual"), blank=True)
    referred_to = models.CharField(_("remitida a"), max_length=200, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("consentimiento de tratamiento de datos"))
    created_at = models.DateTimeField(_("recibida"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("solicitud de justicia virtual")
        verbose_name_plural = _("solicitudes de justicia virtual")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cita_programada") | Q(appointment_at__isnull=False),
                name="justice_appointment_has_date",
            )
        ]

    def __str__(self):
        return self.tracking_code


class JusticeRequestChange(models.Model):
    """One step of a request's workflow: who, when, from which status to which, and a note."""

    request = models.ForeignKey(JusticeRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("cambio de estado de solicitud")
        verbose_name_plural = _("cambios de estado de solicitudes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id}: {self.from_status or '∅'} → {self.to_status}"


def _private_storage():
    from .storage import private_storage

    return private_storage


class JusticeAttachment(models.Model):
    """An image attached to a request, re-encoded without metadata, kept outside MEDIA_ROOT."""

    request = models.ForeignKey(JusticeRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="justice/%Y/%m/", storage=_private_storage)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adjunto")
        ordering = ["id"]

    def __str__(self):
        return self.file.name


class JusticeRequestNote(models.Model):
    """An internal note of the receiving office on a request: never shown to the citizen, encrypted."""

    request = models.ForeignKey(JusticeRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = EncryptedTextField(_("nota"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nota interna de solicitud")
        verbose_name_plural = _("notas internas de solicitudes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id}: nota {self.pk}"


class AccessKind(models.TextChoices):
    PAGE = "page", _("Página de la solicitud (gestión)")
    API = "api", _("API de funcionarios")
    ATTACHMENT = "attachment", _("Adjunto")


class JusticeRequestAccess(models.Model):
    """Who read a request's decrypted content (narrative, parties, contact, attachments), and when.

    Written by justice.services.justice_request_open for every staff read; kept even if the user is
    deleted (the username is copied) so the trail survives."""

    request = models.ForeignKey(JusticeRequest, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    username = models.CharField(_("usuario"), max_length=150)
    kind = models.CharField(_("acceso"), max_length=12, choices=AccessKind.choices)
    at = models.DateTimeField(_("cuándo"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("acceso a una solicitud")
        verbose_name_plural = _("accesos a solicitudes")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.username} · {self.get_kind_display()} · {self.request_id}"


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    SENT = "sent", _("Enviada")
    SKIPPED = "skipped", _("Omitida")


class JusticeNotification(models.Model):
    """The outbox row of the e-mail telling the citizen about one step of their request (received,
    appointment, any other status). One per step (`change` is unique), so a step is never e-mailed twice;
    a background job (justice.tasks) sends it."""

    change = models.OneToOneField(JusticeRequestChange, on_delete=models.CASCADE, related_name="notification")
    state = models.CharField(
        _("estado"), max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    last_error = models.TextField(_("último error"), blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)

    class Meta:
        verbose_name = _("correo de solicitud de justicia")
        verbose_name_plural = _("correos de solicitudes de justicia")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.change} ({self.get_state_display()})"
