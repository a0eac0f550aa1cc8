"""Forms of the staff workbench: queue filters, workflow steps, responses and moderation.

Every message a person sees is Spanish first (English through the catalogue).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from localities.models import Upz
from reports.models import DESCRIPTION_MAX_LENGTH, Category, Entity, Status

SORTS = {
    "plazo": _("Plazo más cercano"),
    "antiguos": _("Más antiguos primero"),
    "apoyos": _("Más apoyados"),
}
PERIODS = {"7": _("7 días"), "30": _("30 días"), "90": _("90 días"), "365": _("Un año")}


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Usuario o contraseña incorrectos. Revise los dos e intente de nuevo."),
        "inactive": _("Esta cuenta está desactivada. Pida ayuda a la administración."),
    }


class QueueFilterForm(forms.Form):
    """The queue's filters and sort, read from the query string (unknown values are a 400)."""

    estado = forms.ChoiceField(label=_("Estado"), required=False)
    categoria = forms.ModelChoiceField(
        label=_("Categoría"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Todas"),
        error_messages={"invalid_choice": _("Categoría desconocida: elija una de la lista.")},
    )
    upz = forms.ModelChoiceField(
        label=_("UPZ"),
        queryset=Upz.objects.none(),
        required=False,
        empty_label=_("Todas"),
        error_messages={"invalid_choice": _("UPZ desconocida: elija una de la lista.")},
    )
    periodo = forms.ChoiceField(label=_("Recibidos en"), required=False)
    vencidos = forms.BooleanField(label=_("Solo vencidos"), required=False)
    con_fotos = forms.BooleanField(label=_("Con fotos"), required=False)
    apoyos = forms.IntegerField(
        label=_("Apoyos mínimos"),
        required=False,
        min_value=0,
        max_value=100000,
        error_messages={
            "invalid": _("Escriba un número entero de apoyos."),
            "min_value": _("Los apoyos no pueden ser negativos."),
            "max_value": _("Escriba un número de apoyos menor."),
        },
    )
    orden = forms.ChoiceField(label=_("Ordenar por"), required=False)

    def __init__(self, data=None, *, upz_queryset=None):
        super().__init__(data)
        self.fields["estado"].choices = [("", _("Abiertos")), ("todos", _("Todos")), *Status.choices]
        self.fields["estado"].error_messages["invalid_choice"] = _(
            "Estado desconocido: elija uno de la lista."
        )
        self.fields["periodo"].choices = [("", _("Cualquier fecha")), *PERIODS.items()]
        self.fields["periodo"].error_messages["invalid_choice"] = _(
            "Periodo desconocido: use 7, 30, 90 o 365."
        )
        self.fields["orden"].choices = list(SORTS.items())
        self.fields["orden"].error_messages["invalid_choice"] = _("Orden desconocido: elija uno de la lista.")
        if upz_queryset is not None:
            self.fields["upz"].queryset = upz_queryset


class TransitionForm(forms.Form):
    """One workflow step. What each target status needs is checked by reports.services.report_transition."""

    to_status = forms.ChoiceField(label=_("Nuevo estado"))
    note = forms.CharField(
        label=_("Nota (queda en el historial que ve quien reporta)"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    referred_to = forms.ChoiceField(
        label=_("Remitir a (si el nuevo estado es «Remitido»)"),
        required=False,
        choices=[("", "—"), *Entity.choices],
    )
    reason = forms.CharField(
        label=_("Motivo (si se rechaza)"), required=False, max_length=DESCRIPTION_MAX_LENGTH
    )

    def __init__(self, data=None, *, allowed=()):
        super().__init__(data)
        labels = dict(Status.choices)
        self.fields["to_status"].choices = [(s, labels[s]) for s in allowed if s != Status.DUPLICATE]
        self.fields["to_status"].error_messages["invalid_choice"] = _(
            "Ese cambio de estado no está permitido desde el estado actual."
        )


class BulkForm(forms.Form):
    """The same step for several reports of the queue (only steps that need no entity or reason)."""

    BULK_STATUSES = (Status.IN_REVIEW, Status.IN_PROGRESS, Status.CLOSED_NO_ACTION)

    reportes = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Reportes"))
    to_status = forms.ChoiceField(label=_("Pasar los seleccionados a"))
    note = forms.CharField(label=_("Nota"), required=False, max_length=DESCRIPTION_MAX_LENGTH)

    def __init__(self, data=None, *, ids=()):
        super().__init__(data)
        labels = dict(Status.choices)
        self.fields["reportes"].choices = [(pk, pk) for pk in ids]
        self.fields["reportes"].error_messages = {
            "required": _("Seleccione al menos un reporte."),
            "invalid_choice": _("Uno de los reportes seleccionados no está en su bandeja."),
        }
        self.fields["to_status"].choices = [(s, labels[s]) for s in self.BULK_STATUSES]


class RespondForm(forms.Form):
    body = forms.CharField(
        label=_("Respuesta"), max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.TypedChoiceField(
        label=_("Quién la ve"),
        coerce=lambda v: v == "1",
        choices=[
            ("1", _("Pública: la ve quien reporta y todo el mundo")),
            ("0", _("Nota interna: solo el personal")),
        ],
        widget=forms.RadioSelect,
        initial="1",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "resp-%s")  # ids unique beside the page's other forms
        super().__init__(*args, **kwargs)


class DuplicateForm(forms.Form):
    original = forms.IntegerField(
        label=_("Número del reporte original"),
        min_value=1,
        error_messages={"invalid": _("Escriba el número del reporte original.")},
    )
    note = forms.CharField(label=_("Nota"), required=False, max_length=DESCRIPTION_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "dup-%s")  # ids unique beside the page's other forms
        super().__init__(*args, **kwargs)


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Motivo"), max_length=DESCRIPTION_MAX_LENGTH)
    hidden = forms.TypedChoiceField(
        coerce=lambda v: v == "1", choices=[("1", _("Ocultar")), ("0", _("Mostrar de nuevo"))], initial="1"
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "hide-%s")  # ids unique beside the page's other forms
        super().__init__(*args, **kwargs)


class RedactForm(forms.Form):
    description = forms.CharField(
        label=_("Descripción sin datos personales"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = forms.CharField(label=_("Qué se quitó"), max_length=200)
