"""Server-rendered map pages (folium), Spanish first.

- /mapa/                                 public map: locality and UPZ outlines, report density (heat),
                                         locality choropleth of rates, legend, layer control, filters.
- /mapa/localidad/<code>/                the alcaldía local's dashboard: heat, UPZ choropleth of rates,
                                         hot spots, top categories, weekly trend, open reports, response.
- /mapa/localidad/<code>/informe/        printable council brief for a period (?desde&hasta), no JS.

Pages are public. What they aggregate follows the caller's role exactly as the map API does
(reports.visibility): the public form (public points, small counts hidden, sensitive categories only
in locality/UPZ figures) unless a signed-in analyst/admin or the locality's own staff. Pages only
read; the rollups they use are refreshed after report writes (maps.services).

This module holds the page views and what they put in their templates; queries are in
maps.selectors, the folium maps and SVG charts in maps.rendering.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import wraps

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from localities.models import Locality
from reports.models import Category
from reports.visibility import ViewerScope, public_min_count

from . import rendering, selectors
from .filters import MapFilters
from .selectors import boundaries
from .serializers import MAX_DATE, MIN_DATE

MAP_DEFAULT_DAYS = 365
BRIEF_DEFAULT_DAYS = 30
HOTSPOT_CELL_METRES = 300
CITY_HEAT_METRES = 200  # heat points of the city map (the dashboard keeps the 100 m rollup cells)
MAX_PERIOD_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """GET filters of the pages: category and period (inclusive dates of receipt, Bogotá time)."""

    categoria = forms.ChoiceField(label="Categoría", required=False)
    desde = forms.DateField(label="Desde", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hasta = forms.DateField(label="Hasta", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, default_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_days = default_days
        self.fields["categoria"].choices = [("", "Todas las categorías")] + [
            (c.code, c.name_es) for c in Category.objects.filter(active=True).order_by("order", "code")
        ]
        self.fields["desde"].error_messages["invalid"] = "Fecha no válida: use el formato AAAA-MM-DD."
        self.fields["hasta"].error_messages["invalid"] = "Fecha no válida: use el formato AAAA-MM-DD."

    def clean(self):
        data = super().clean()
        for name in ("desde", "hasta"):
            value = data.get(name)
            if value and not MIN_DATE <= value <= MAX_DATE:
                self.add_error(
                    name, f"La fecha debe estar entre {MIN_DATE:%Y-%m-%d} y {MAX_DATE:%Y-%m-%d} (AAAA-MM-DD)."
                )
                data.pop(name, None)
        start, end = data.get("desde"), data.get("hasta")
        if start and end and start > end:
            self.add_error("hasta", "La fecha final debe ser igual o posterior a la inicial.")
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("hasta", "El periodo puede abarcar como máximo tres años; acórtelo.")
        return data

    def period(self) -> tuple[date, date]:
        """(desde, hasta): the valid values given, else the last `default_days` days up to today."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("hasta") or timezone.localdate()
        start = data.get("desde") or end - timedelta(days=self.default_days - 1)
        if start > end:
            start, end = end - timedelta(days=self.default_days - 1), end
        return start, end

    def filters(self, *, locality: str | None = None) -> MapFilters:
        """MapFilters for the selectors (invalid input falls back to the defaults)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start, end = self.period()
        category = (data["categoria"],) if data.get("categoria") else ()
        return MapFilters(
            locality=(locality,) if locality else (), category=category, date_from=start, date_to=end
        )


def _form(request, default_days: int) -> PeriodForm:
    return PeriodForm(request.GET or None, default_days=default_days)


def _status(form: PeriodForm) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


def _locality_or_404(code: str) -> Locality:
    locality = Locality.objects.current().filter(code=code).defer("geom").first()
    if locality is None:
        raise Http404(f"No existe la localidad {code}: use un código de 01 a 20.")
    return locality


def _export_links(filters: MapFilters) -> dict:
    query = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    if filters.locality:
        query["locality"] = ",".join(filters.locality)
    if filters.category:
        query["category"] = ",".join(filters.category)
    qs = urlencode(query)
    return {
        fmt: reverse("exports-reports", kwargs={"fmt": fmt}) + "?" + qs for fmt in ("csv", "geojson", "gpkg")
    }


def _stats_by_code(stats: dict) -> dict:
    return {row["code"]: row for row in stats["units"]}


def _unit_details(rows: dict):
    def details(code):
        row = rows.get(code)
        if row is None:
            return {"reports": "0", "rate": "s. d.", "change": "s. d."}
        if row["suppressed"]:
            return {"reports": "oculto (menos de k)", "rate": "oculto", "change": "oculto"}
        change = row["change_pct"]
        return {
            "reports": rendering.fmt(row["count"]),
            "rate": rendering.fmt(row["rate_per_10k"], 1),
            "change": "s. d." if change is None else f"{rendering.fmt(change, 1)} %",
        }

    return details


def _metric(rows: dict) -> tuple[str, str]:
    """Colour by rate per 10,000 inhabitants; by count when no population is loaded."""
    if any(row["rate_per_10k"] is not None for row in rows.values()):
        return "rate_per_10k", "Reportes por 10.000 habitantes"
    return "count", "Reportes (sin datos de población)"


def _value_of(rows: dict, key: str):
    def value(code):
        row = rows.get(code)
        return None if row is None else row[key]

    return value


TOOLTIP = [
    ("name", "Nombre"),
    ("reports", "Reportes"),
    ("rate", "Por 10.000 hab."),
    ("change", "Cambio vs. periodo anterior"),
]


def _public_cached(name: str, filters: MapFilters, scope: ViewerScope, build) -> dict:
    """build() for the public form, kept MAPS_PAGE_CACHE_SECONDS per page and filters.

    Every anonymous visitor of the landing page asks for the same aggregates (a year of reports);
    computing them takes about a second at a million reports. Staff and analysts see their own form
    and are never served from this cache. 0 disables it.
    """
    seconds = int(getattr(settings, "MAPS_PAGE_CACHE_SECONDS", 0))
    if not scope.is_public or seconds <= 0:
        return build()
    digest = hashlib.sha256(
        repr((name, filters, translation.get_language(), settings.BASEMAP_URL)).encode()
    ).hexdigest()[:32]
    key = f"maps:page:{digest}"
    context = cache.get(key)
    if context is None:
        context = build()
        cache.set(key, context, seconds)
    return context


def public_map_context(*, filters: MapFilters, scope: ViewerScope) -> dict:
    """Everything /mapa/ shows: heat of reports, locality rates, outlines, legend."""
    return _public_cached("mapa", filters, scope, lambda: _build_public_map(filters=filters, scope=scope))


def _build_public_map(*, filters: MapFilters, scope: ViewerScope) -> dict:
    points = selectors.heatmap_points(filters=filters, scope=scope)
    stats = _stats_by_code(selectors.unit_stats(level="locality", filters=filters, scope=scope))
    key, title = _metric(stats)
    classes = rendering.Classes.quantiles(row[key] for row in stats.values())
    m = rendering.new_map()
    localities = boundaries.boundary_collection("locality")
    rendering.add_choropleth(
        m,
        localities,
        name=f"Localidades: {title.lower()}",
        value_of=_value_of(stats, key),
        classes=classes,
        tooltip=TOOLTIP,
        details=_unit_details(stats),
    )
    rendering.add_heat(m, rendering.coarsen_points(points["points"], CITY_HEAT_METRES))
    rendering.add_outlines(
        m, boundaries.boundary_collection("upz"), name="Límites de UPZ", color="#6a3d9a", weight=0.8
    )
    return {
        "map": rendering.rendered(m),
        "legend": classes.legend(digits=1 if key == "rate_per_10k" else 0),
        "legend_title": title,
        "heat_total": points["meta"]["total"],
        "no_boundaries": not localities["features"],
        "localities": sorted(stats.values(), key=lambda r: r["code"]),
        "exports": _export_links(filters),
    }


def dashboard_context(*, locality: Locality, filters: MapFilters, scope: ViewerScope) -> dict:
    """Everything the locality dashboard shows (see module docstring)."""
    return _public_cached(
        f"localidad:{locality.code}",
        filters,
        scope,
        lambda: _build_dashboard(locality=locality, filters=filters, scope=scope),
    )


def _build_dashboard(*, locality: Locality, filters: MapFilters, scope: ViewerScope) -> dict:
    code = locality.code
    points = selectors.heatmap_points(filters=filters, scope=scope)
    upz_stats = _stats_by_code(selectors.unit_stats(level="upz", filters=filters, scope=scope))
    own = selectors.unit_stats(level="locality", filters=filters, scope=scope)["units"]
    hotspots = selectors.hotspot_cells(filters=filters, scope=scope, cell=HOTSPOT_CELL_METRES, shape="square")
    key, title = _metric(upz_stats)
    classes = rendering.Classes.quantiles(row[key] for row in upz_stats.values())
    m = rendering.new_map(bounds=boundaries.locality_bounds(code))
    upz_shapes = boundaries.boundary_collection(
        "upz", locality_code=code, simplify_metres=boundaries.LOCALITY_SIMPLIFY_METRES
    )
    rendering.add_choropleth(
        m,
        upz_shapes,
        name=f"UPZ: {title.lower()}",
        value_of=_value_of(upz_stats, key),
        classes=classes,
        tooltip=TOOLTIP,
        details=_unit_details(upz_stats),
    )
    rendering.add_heat(m, points["points"])
    rendering.add_hotspots(m, hotspots)
    # The perception pulse, off by default: the registered public output /api/pulse/map.geojson
    # builds the same collection (means only from k answers up), so the page shows nothing more.
    from participation.selectors import PULSE_DAYS, pulse_map

    rendering.add_pulse(m, pulse_map(locality_code=code))
    rendering.add_outlines(
        m,
        boundaries.boundary_collection(
            "locality", locality_code=code, simplify_metres=boundaries.LOCALITY_SIMPLIFY_METRES
        ),
        name="Límite de la localidad",
        color="#222222",
        weight=2.5,
    )
    context = brief_context(locality=locality, filters=filters, scope=scope, upz_stats=upz_stats, own=own)
    context.update(
        map=rendering.rendered(m),
        legend=classes.legend(digits=1 if key == "rate_per_10k" else 0),
        legend_title=title,
        hotspots=hotspots["meta"],
        hotspot_cell=HOTSPOT_CELL_METRES,
        heat_total=points["meta"]["total"],
        no_upz_boundaries=not upz_shapes["features"],
        pulse_legend=rendering.pulse_legend(),
        pulse_layer=rendering.PULSE_LAYER_NAME,
        pulse_days=PULSE_DAYS,
    )
    return context


def brief_context(
    *, locality: Locality, filters: MapFilters, scope: ViewerScope, upz_stats=None, own=None
) -> dict:
    """Figures shared by the dashboard and the council brief: totals, UPZ table, categories, weeks."""
    if upz_stats is None:
        upz_stats = _stats_by_code(selectors.unit_stats(level="upz", filters=filters, scope=scope))
        own = selectors.unit_stats(level="locality", filters=filters, scope=scope)["units"]
    summary = next((row for row in own if row["code"] == locality.code), None)
    categories = selectors.category_counts(filters=filters, scope=scope, limit=8)
    top = max((c["count"] or 0 for c in categories), default=0)
    for category in categories:
        category["share"] = round(100 * (category["count"] or 0) / top) if top else 0
    weeks = selectors.weekly_counts(filters=filters, scope=scope)
    upz_rows = sorted(upz_stats.values(), key=lambda r: (len(r["code"]), r["code"]))
    return {
        "locality": locality,
        "summary": summary,
        "open": selectors.open_reports_summary(locality_code=locality.code, filters=filters, scope=scope),
        "upz_rows": upz_rows,
        "categories": categories,
        "chart": rendering.weekly_chart(weeks),
        "exports": _export_links(filters),
        "public_view": not scope.has_full_detail(locality.code),
    }


def _common(request, form: PeriodForm, filters: MapFilters) -> dict:
    names = dict(form.fields["categoria"].choices)
    return {
        "form": form,
        "category_name": names.get(filters.category[0]) if filters.category else None,
        "period": filters,
        "min_count": public_min_count(),
        "basemap": bool(settings.BASEMAP_URL),
    }


def spanish(view):
    """Render in es-CO whatever the browser asks: the pages' text is Spanish, so numbers must be too."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


@spanish
def public_map(request):
    """/mapa/: the public map of Bogotá."""
    form = _form(request, MAP_DEFAULT_DAYS)
    filters = form.filters()
    context = public_map_context(filters=filters, scope=ViewerScope.for_user(request.user))
    context.update(_common(request, form, filters))
    return render(request, "maps/public_map.html", context, status=_status(form))


@spanish
def locality_dashboard(request, code: str):
    """/mapa/localidad/<code>/: the alcaldía local's dashboard."""
    locality = _locality_or_404(code)
    form = _form(request, MAP_DEFAULT_DAYS)
    filters = form.filters(locality=code)
    context = dashboard_context(locality=locality, filters=filters, scope=ViewerScope.for_user(request.user))
    context.update(_common(request, form, filters))
    return render(request, "maps/locality_dashboard.html", context, status=_status(form))


@spanish
def council_brief(request, code: str):
    """/mapa/localidad/<code>/informe/?desde&hasta: printable brief for the local security council."""
    locality = _locality_or_404(code)
    form = _form(request, BRIEF_DEFAULT_DAYS)
    filters = form.filters(locality=code)
    scope = ViewerScope.for_user(request.user)
    context = brief_context(locality=locality, filters=filters, scope=scope)
    rows = {row["code"]: row for row in context["upz_rows"]}
    key, title = _metric(rows)
    classes = rendering.Classes.quantiles(row[key] for row in rows.values())
    svg = boundaries.upz_svg_paths(locality_code=code)
    for path in svg["paths"]:
        row = rows.get(path["code"])
        path["fill"] = classes.color(row[key] if row else None)
        path["title"] = f"{path['name']}: " + _unit_details(rows)(path["code"])["reports"] + " reportes"
    context.update(
        _common(request, form, filters),
        svg=svg,
        no_upz_boundaries=not svg["paths"],
        legend=classes.legend(digits=1 if key == "rate_per_10k" else 0),
        legend_title=title,
        generated=timezone.now(),
        **council_participation(code),
    )
    return render(request, "maps/council_brief.html", context, status=_status(form))


def council_participation(code: str) -> dict:
    """The locality's most supported proposals (withdrawn and merged ones left out) and its open
    commitments, for the brief (participation app)."""
    from participation import selectors as participation

    proposals = participation.proposal_public_list(locality_code=code)
    return {
        "top_proposals": proposals.exclude(status__in=("withdrawn", "merged"))[:5],
        "open_commitments": [
            c
            for c in participation.commitment_rows(locality_code=code)
            if c["status"] in ("on_track", "overdue")
        ],
    }
