"""Query-string filters of the public report list (and the staff list)."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q

from geo.inputs import check_date_bounds
from geo.spatial import WORLD_EXTENT, check_lonlat

from .models import Channel, Report, Status


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """'minlon,minlat,maxlon,maxlat' (EPSG:4326 degrees) → tuple; ValidationError in Spanish otherwise."""
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise DjangoValidationError(
            "bbox debe ser minlon,minlat,maxlon,maxlat en grados, p. ej. -74.2,4.5,-74.0,4.8."
        )
    min_lon, min_lat, max_lon, max_lat = parts
    # A map viewport may legitimately reach far beyond Bogotá, so only finiteness and WGS 84 are
    # required here (no swap or Bogotá-extent check); GEOS never sees an unchecked corner.
    for lon, lat in ((min_lon, min_lat), (max_lon, max_lat)):
        check_lonlat(lon, lat, lon_field=None, lat_field=None, extent=WORLD_EXTENT, detect_swap=False)
    if not (min_lon < max_lon and min_lat < max_lat):
        raise DjangoValidationError(
            "bbox inválido: se espera minlon < maxlon y minlat < maxlat, en grados [lon, lat]."
        )
    return min_lon, min_lat, max_lon, max_lat


class CodeListFilter(django_filters.CharFilter):
    """One code or several separated by commas (category=hurto,rina)."""

    def filter(self, qs, value):
        if not value:
            return qs
        codes = [v.strip() for v in value.split(",") if v.strip()]
        return qs.filter(**{f"{self.field_name}__in": codes})


class ReportFilter(django_filters.FilterSet):
    """Filters shared by the public and staff lists. `bbox` applies to the point the caller may see:
    the generalised point in public (so a tiny box cannot probe exact positions)."""

    bbox = django_filters.CharFilter(method="filter_bbox", label="minlon,minlat,maxlon,maxlat (EPSG:4326)")
    category = CodeListFilter(
        field_name="category__code", label="Código(s) de categoría, separados por comas"
    )
    status = CodeListFilter(field_name="status", label=f"Estado(s): {', '.join(Status.values)}")
    locality = CodeListFilter(field_name="locality__code", label="Código(s) de localidad, p. ej. 01,02")
    upz = CodeListFilter(field_name="upz__code", label="Código(s) de UPZ/UPR")
    group = django_filters.ChoiceFilter(
        field_name="category__group", choices=[("seguridad", "seguridad"), ("convivencia", "convivencia")]
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", validators=[check_date_bounds]
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", validators=[check_date_bounds]
    )
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", validators=[check_date_bounds]
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", validators=[check_date_bounds]
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("occurred_at", "occurred_at"),
            ("support_count", "support_count"),
        )
    )

    bbox_field = "public_location"

    class Meta:
        model = Report
        fields: list = []

    def filter_bbox(self, qs, name, value):
        try:
            bbox = parse_bbox(value)
        except DjangoValidationError as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"bbox": exc.messages}) from None
        return qs.in_bbox(bbox, field=self.bbox_field)


class StaffReportFilter(ReportFilter):
    """Staff filters: bbox on the exact point, plus hidden and open/closed."""

    hidden = django_filters.BooleanFilter()
    open = django_filters.BooleanFilter(
        method="filter_open", label="true: solo abiertos; false: solo cerrados"
    )

    class Meta(ReportFilter.Meta):
        pass

    @property
    def bbox_field(self):
        # Moderators see generalised points only, so their box must not probe exact ones either.
        from . import access

        user = getattr(self.request, "user", None)
        return "public_location" if access.role_of(user) == access.MODERATOR else "location"

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        open_q = Q(status__in=("received", "in_review", "referred", "in_progress"))
        return qs.filter(open_q) if value else qs.exclude(open_q)
