"""Forms of the receiving office's pages (/gestion/justicia/): list filter, workflow step, referral,
internal note. What each step needs (future date, place or link, receiving entity) is checked by
justice.services.justice_request_transition, the one owner of the workflow rules."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from justice.models import RequestStatus, ServicePoint
from justice.services import TRANSITIONS

BOGOTA = ZoneInfo("America/Bogota")
ALL = "todas"


class JusticeFilterForm(forms.Form):
    """The list's status filter, read from the query string (an unknown value is a 400)."""

    estado = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=[("", _("Abiertas (sin cerrar)")), *RequestStatus.choices, (ALL, _("Todas"))],
        error_messages={"invalid_choice": _("Estado desconocido: elija uno de la lista.")},
    )


def step_choices(current: str) -> list[tuple[str, str]]:
    """The steps the workflow allows from `current`, in workflow order (referral has its own form)."""
    labels = dict(RequestStatus.choices)
    allowed = TRANSITIONS.get(current, set()) - {RequestStatus.REFERRED}
    return [(s, labels[s]) for s in RequestStatus.values if s in allowed]


class JusticeStepForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Nuevo estado"))
    appointment_at = forms.DateTimeField(
        label=_("Fecha y hora de la cita (hora de Bogotá)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Escriba la fecha y la hora, p. ej. 2026-12-03 09:30.")},
    )
    appointment_place = forms.CharField(
        label=_("Lugar de la cita"),
        required=False,
        max_length=200,
        help_text=_("Si la cita es presencial: dirección y oficina."),
    )
    appointment_link = forms.URLField(
        label=_("Enlace de la cita virtual"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Escriba un enlace completo, p. ej. https://meet.example.com/abc.")},
    )
    note = forms.CharField(
        label=_("Nota del paso (interna: la persona no la ve)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data=None, *, current: str):
        super().__init__(data)
        self.fields["to_status"].choices = step_choices(current)
        self.fields["to_status"].error_messages["invalid_choice"] = _(
            "Ese cambio de estado no está permitido desde el estado actual."
        )

    def clean_appointment_at(self):
        value = self.cleaned_data.get("appointment_at")
        if value is not None and timezone.is_naive(value):
            value = value.replace(tzinfo=BOGOTA)  # the form says Bogotá time, whatever the server's zone
        return value


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        where = obj.locality.name if obj.locality else ""
        return f"{obj.name} — {where}" if where else obj.name


class JusticeReferForm(forms.Form):
    """Refer the request to another office of the directory, or to an entity outside it."""

    office = OfficeChoiceField(
        label=_("Oficina del directorio"),
        queryset=ServicePoint.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Esa oficina no está en el directorio: elija una de la lista.")},
    )
    referred_to = forms.CharField(
        label=_("U otra entidad"),
        required=False,
        max_length=200,
        help_text=_("Por ejemplo: Fiscalía General de la Nación, URI de Puente Aranda."),
    )
    note = forms.CharField(
        label=_("Nota (interna)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *, offices=None):
        # Ids of their own: the page has the step form's `note` too, and an id appears once per page.
        super().__init__(data, auto_id="refer_%s")
        if offices is not None:
            self.fields["office"].queryset = offices

    def clean(self):
        data = super().clean()
        if not data.get("office") and not (data.get("referred_to") or "").strip():
            raise forms.ValidationError(
                _("Elija una oficina del directorio o escriba la entidad a la que remite."),
                code="required",
            )
        return data


class JusticeNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Nota interna"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Solo la ve el personal de la oficina; no se envía a la persona."),
        error_messages={"required": _("Escriba la nota.")},
    )

    def __init__(self, data=None):
        super().__init__(data, auto_id="note_%s")
