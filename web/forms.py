"""Forms of the citizen pages. They validate what a person typed; reports.services does the rest."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo.spatial import STORAGE_SRID
from reports.models import DESCRIPTION_MAX_LENGTH, Category
from reports.services import MAX_PHOTOS

from . import selectors


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to MAX_PHOTOS files from one <input type=file multiple>; content is checked by reports.photos."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Puede adjuntar como máximo %(n)s fotos; eligió %(got)s.")
                % {"n": MAX_PHOTOS, "got": len(files)}
            )
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    """One report: where (map point or UPZ), what (category), details, optional contact with consent."""

    lon = forms.FloatField(
        label=_("Longitud"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    lat = forms.FloatField(
        label=_("Latitud"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    upz = forms.ChoiceField(label=_("Localidad y UPZ"), required=False)
    category = forms.ChoiceField(label=_("¿Qué pasó?"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describa lo que pasó"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sin nombres ni datos de otras personas. Máximo 2000 caracteres."),
    )
    occurred_at = forms.DateTimeField(
        label=_("¿Cuándo ocurrió?"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Si lo deja vacío, se toma la fecha y hora actuales."),
    )
    photos = MultipleImageField(
        label=_("Fotos (opcional, hasta 3)"),
        required=False,
        help_text=_("JPEG, PNG o WebP. Se quitan los datos de ubicación de la cámara."),
    )
    contact_name = forms.CharField(label=_("Nombre"), max_length=120, required=False)
    contact_email = forms.EmailField(label=_("Correo"), required=False)
    contact_phone = forms.CharField(label=_("Teléfono"), max_length=30, required=False)
    contact_consent = forms.BooleanField(
        label=_("Autorizo que la entidad responsable me contacte sobre este reporte."), required=False
    )
    confirm_new = forms.BooleanField(
        label=_("Revisé los reportes cercanos y el mío es un problema distinto."), required=False
    )
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upz"].choices = [("", _("— Elija la UPZ —")), *selectors.upz_choices()]
        self.fields["category"].choices = [
            (c.code, selectors.category_name(c))
            for _g, members in selectors.categories_by_group()
            for c in members
        ]

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        point = None
        if lon is not None and lat is not None:
            # Range-checked before any geometry is built (GEOS/PROJ must never see absurd numbers).
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                self.add_error(
                    "lat", _("Coordenadas inválidas: la latitud va de -90 a 90 y la longitud de -180 a 180.")
                )
            else:
                point = Point(lon, lat, srid=STORAGE_SRID)
        elif data.get("upz"):
            point = selectors.upz_point(data["upz"])
        if point is None and not self.has_error("lat"):
            self.add_error("upz", _("Marque el lugar en el mapa o elija la localidad y la UPZ de la lista."))
        data["point"] = point
        code = data.get("category")
        data["category_obj"] = Category.objects.filter(active=True, code=code).first() if code else None
        consent = data.get("contact_consent")
        has_contact = any(data.get(k) for k in ("contact_name", "contact_email", "contact_phone"))
        if has_contact and not (data.get("contact_email") or data.get("contact_phone")):
            self.add_error("contact_email", _("Para ser contactado indique un correo o un teléfono."))
        elif has_contact and not consent:
            self.add_error(
                "contact_consent",
                _(
                    "Marque la autorización para guardar sus datos de contacto, o borre esos datos: el reporte es anónimo por defecto."
                ),
            )
        return data

    def service_kwargs(self) -> dict:
        """Keyword arguments for reports.services.report_create (reporter and channel added by the view)."""
        data = self.cleaned_data
        contact = None
        if any(data.get(k) for k in ("contact_name", "contact_email", "contact_phone")):
            contact = {
                "name": data.get("contact_name", ""),
                "email": data.get("contact_email", ""),
                "phone": data.get("contact_phone", ""),
                "consent": bool(data.get("contact_consent")),
            }
        return {
            "category": data["category_obj"],
            "description": data["description"],
            "location": data["point"],
            "occurred_at": data.get("occurred_at") or timezone.now(),
            "contact": contact,
            "photos": data.get("photos") or [],
        }

    # reports.services field names → the field of this form that shows the message
    SERVICE_FIELDS = {"location": "upz", "contact": "contact_email"}

    def add_service_errors(self, exc) -> None:
        """Show a ValidationError of reports.services on the matching fields of this form."""
        for key, messages in exc.message_dict.items():
            field = self.SERVICE_FIELDS.get(key, key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Código de seguimiento"),
        max_length=16,
        help_text=_("Los 10 caracteres que recibió al enviar el reporte, p. ej. K7Q2MX9P4B."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace("-", "").replace(" ", "").upper()


class RegisterForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Correo"), required=False, help_text=_("Opcional; sirve para recuperar la contraseña.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
