"""Query-string filters of the territory API (django-filter; drf-spectacular documents them)."""

from django_filters import rest_framework as django_filters

from .models import Locality, Upz


def _current_localities(request):
    return Locality.objects.current().defer("geom")


class UpzFilter(django_filters.FilterSet):
    """`?locality=<two-digit code>` and `?rural=true|false` on the UPZ/UPR list."""

    locality = django_filters.ModelChoiceFilter(
        field_name="locality",
        to_field_name="code",
        queryset=_current_localities,
        label="Código de localidad de dos dígitos (01 a 20)",
        error_messages={
            "invalid_choice": (
                "locality: no existe la localidad «%(value)s». Use un código de dos dígitos "
                "de /api/localities/, p. ej. locality=17."
            )
        },
    )
    rural = django_filters.BooleanFilter(
        field_name="rural",
        label="true: solo UPR rurales; false: solo UPZ urbanas",
    )

    class Meta:
        model = Upz
        fields = ["locality", "rural"]
