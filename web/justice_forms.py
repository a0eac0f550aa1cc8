"""Forms of the access-to-justice pages: where to look for services, and a virtual justice request.

They check what a person typed; justice.selectors and justice.services do the rest.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from geo.spatial import check_lonlat
from justice.models import Attention, ContactChannel, ServiceKind
from justice.procedures import procedure_localized, procedures_read
from justice.services import NARRATIVE_MAX, PARTIES_MAX
from localities.models import Locality

from . import selectors
from .forms import MultipleImageField

NEAREST_SHOWN = 8


class NearbyForm(forms.Form):
    """Where to search from (a UPZ from the list, or the browser's coordinates) and which kind of office."""

    tipo = forms.ChoiceField(label=_("Tipo de servicio"), required=False)
    upz = forms.ChoiceField(label=_("Localidad y UPZ"), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", _("Todos los tipos")), *ServiceKind.choices]
        self.fields["upz"].choices = [("", _("— Elija la UPZ —")), *selectors.upz_choices()]

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError({"upz": _("La ubicación llegó incompleta: elija su UPZ de la lista.")})
        if lat is not None:
            try:
                data["lon"], data["lat"] = check_lonlat(lon, lat, lon_field=None, lat_field=None)
            except ValidationError as exc:
                raise ValidationError({"upz": exc.messages}) from None
        return data


def situation_choices() -> list[tuple[str, str]]:
    """Situations of the guide that can open a virtual request, as (code, title)."""
    return [(p["code"], procedure_localized(p)["title"]) for p in procedures_read() if p.get("attention")]


class JusticeRequestForm(forms.Form):
    """A virtual justice request; the narrative, parties and contact are stored encrypted by the service."""

    situation = forms.ChoiceField(label=_("Situación (de la guía)"), required=False)
    attention = forms.ChoiceField(
        label=_("¿Qué necesita?"), choices=Attention.choices, widget=forms.RadioSelect
    )
    locality = forms.ChoiceField(label=_("Su localidad"))
    narrative = forms.CharField(
        label=_("Cuéntenos qué pasó"),
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Solo la oficina que recibe su solicitud lo leerá. Máximo 4000 caracteres."),
    )
    parties = forms.CharField(
        label=_("Personas involucradas"),
        max_length=PARTIES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Nombres y, si los sabe, datos de contacto de la otra parte."),
    )
    contact_name = forms.CharField(label=_("Su nombre"), max_length=120, required=False)
    contact_email = forms.EmailField(label=_("Correo"), required=False)
    contact_phone = forms.RegexField(
        label=_("Teléfono"),
        regex=r"^\+?[\d\s-]{7,20}$",
        required=False,
        error_messages={"invalid": _("Teléfono inválido: use solo dígitos, p. ej. 3001234567.")},
    )
    preferred_channel = forms.ChoiceField(
        label=_("¿Cómo prefiere que le contacten?"), choices=ContactChannel.choices, widget=forms.RadioSelect
    )
    preferred_times = forms.CharField(
        label=_("Días y horas en que le podemos contactar"), max_length=200, required=False
    )
    attachments = MultipleImageField(
        label=_("Imágenes (hasta 3)"),
        required=False,
        help_text=_("JPEG, PNG o WebP, p. ej. una citación o fotos. Se quitan los datos de ubicación."),
    )
    consent = forms.BooleanField(
        label=_(
            "Acepto que la Secretaría de Seguridad, Convivencia y Justicia trate mis datos para atender "
            "esta solicitud (Ley 1581 de 2012)."
        ),
        error_messages={"required": _("Debe aceptar el tratamiento de sus datos para enviar la solicitud.")},
    )
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].choices = [("", _("— Otra situación —")), *situation_choices()]
        localities = Locality.objects.current().defer("geom").order_by("code").values_list("code", "name")
        self.fields["locality"].choices = [("", _("— Elija su localidad —"))] + [
            (code, f"{code} · {name}") for code, name in localities
        ]

    def locality_object(self) -> Locality:
        return Locality.objects.current().defer("geom").get(code=self.cleaned_data["locality"])


class JusticeTrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Código de la solicitud"),
        max_length=16,
        help_text=_("La J y los 10 caracteres que recibió al enviar la solicitud, p. ej. JK7Q2MX9P4B."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace("-", "").replace(" ", "").upper()
