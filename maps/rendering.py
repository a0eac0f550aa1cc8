"""Folium maps and small SVG charts for the map pages, with every asset served locally.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default, and Leaflet.heat from
GitHub. Here each map and plugin is given local static URLs instead: Leaflet from the pinned
django-leaflet package, Leaflet.heat from the pinned folium package (settings.STATICFILES_DIRS).
Nothing else is needed: tooltips, layer control and choropleths are plain Leaflet, and the legend
and charts are server-rendered HTML/SVG.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import folium
import numpy as np
import pyproj
from django.conf import settings
from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from folium.plugins import HeatMap

from reports.visibility import public_grid_metres

BOGOTA_CENTER = (4.65, -74.1)  # [lat, lon] for Leaflet
# Five sequential classes (light to dark) for rates, a neutral grey for units without a figure.
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA = "#d9d9d9"
HOT, COLD = "#c51b1b", "#2166ac"


def leaflet_js() -> list[tuple[str, str]]:
    return [("leaflet", static("leaflet/leaflet.js"))]


def leaflet_css() -> list[tuple[str, str]]:
    return [("leaflet_css", static("leaflet/leaflet.css"))]


def heat_js() -> list[tuple[str, str]]:
    return [("leaflet-heat.js", static("vendor/folium/leaflet_heat.min.js"))]


# --- classes and formatting ----------------------------------------------------------------------


@dataclass(frozen=True)
class Classes:
    """Class breaks for a choropleth: value v falls in class i when breaks[i] <= v < breaks[i+1]."""

    breaks: tuple[float, ...]

    @classmethod
    def quantiles(cls, values, n: int = len(PALETTE)) -> Classes:
        """Up to n quantile classes over the non-null values (fewer when values repeat)."""
        data = sorted(v for v in values if v is not None)
        if not data:
            return cls(())
        cuts = [data[min(len(data) - 1, math.floor(i * len(data) / n))] for i in range(n)]
        breaks = sorted(set(cuts))
        return cls((*breaks, data[-1]))

    def _index(self, value) -> int:
        index = 0
        for i, lower in enumerate(self.breaks[:-1]):
            if value >= lower:
                index = i
        return index

    def color(self, value) -> str:
        if value is None or not self.breaks:
            return NO_DATA
        used = len(self.breaks) - 1
        if used <= 1:
            return PALETTE[2]
        # Spread the classes used over the palette so few classes still run from light to dark.
        return PALETTE[round(self._index(value) * (len(PALETTE) - 1) / (used - 1))]

    def legend(self, digits: int = 1) -> list[dict]:
        """[{color, label}] from the lowest class to the highest, for the page legend."""
        items = []
        last = len(self.breaks) - 2
        for i, lower in enumerate(self.breaks[:-1]):
            upper = self.breaks[i + 1]
            if i == last:
                label = f"de {fmt(lower, digits)} a {fmt(upper, digits)}"
            else:
                label = f"de {fmt(lower, digits)} a menos de {fmt(upper, digits)}"
            items.append({"color": self.color(lower), "label": label})
        return items


def fmt(value, digits: int = 0) -> str:
    """A number in the active locale (es-CO: 1.234,5), or "s. d." (sin dato) for None."""
    if value is None:
        return "s. d."
    return number_format(value, decimal_pos=digits, force_grouping=True)


# --- folium ------------------------------------------------------------------------------------------


def new_map(*, bounds=None) -> folium.Map:
    """A folium map with local Leaflet assets, the configured basemap (if any) and a scale bar."""
    m = folium.Map(
        location=BOGOTA_CENTER,
        zoom_start=11,
        tiles=None,
        control_scale=True,
        width="100%",
        height="100%",
    )
    m.default_js = leaflet_js()
    m.default_css = leaflet_css()
    if settings.BASEMAP_URL:
        folium.TileLayer(
            tiles=settings.BASEMAP_URL,
            attr=settings.BASEMAP_ATTRIBUTION,
            name="Mapa base",
            max_zoom=19,
            overlay=False,
            control=False,
        ).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    return m


_TO_METRIC = pyproj.Transformer.from_crs(4326, 9377, always_xy=True)
_TO_GEO = pyproj.Transformer.from_crs(9377, 4326, always_xy=True)


def coarsen_points(points: list, metres: float) -> list:
    """Merge [lat, lon, weight] heat points into square cells of `metres` (EPSG:9377).

    Weights of a cell are summed and renormalised to 0..1; the point is the cell centre, rounded to
    5 decimals (about 1 m). Cells are shifted by half a public-grid cell, as the heatmap's squares
    (maps.selectors.grid), so points on public-grid nodes never sit on a cell edge. A city-wide heat layer at 200 m carries about a quarter of the 100 m
    points with no visible difference at city zooms, which keeps the page light on a phone.
    """
    if not points:
        return []
    data = np.asarray(points, dtype=float)
    x, y = _TO_METRIC.transform(data[:, 1], data[:, 0])
    half = public_grid_metres() / 2
    keys = np.stack(
        [np.floor((np.asarray(x) + half) / metres), np.floor((np.asarray(y) + half) / metres)], axis=1
    )
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=data[:, 2])
    lon, lat = _TO_GEO.transform((cells[:, 0] + 0.5) * metres - half, (cells[:, 1] + 0.5) * metres - half)
    top = weights.max()
    return [
        [round(float(la), 5), round(float(lo), 5), round(float(w / top), 3)]
        for la, lo, w in zip(np.atleast_1d(lat), np.atleast_1d(lon), weights, strict=True)
    ]


def add_heat(m: folium.Map, points: list, *, name: str = "Densidad de reportes") -> None:
    """Leaflet.heat layer of [lat, lon, weight] points (weight 0..1), with the local plugin script."""
    layer = HeatMap(points, name=name, radius=14, blur=12, min_opacity=0.35, max_zoom=15)
    layer.default_js = heat_js()
    layer.add_to(m)


def _safe_props(feature: dict, extra: dict) -> dict:
    # Tooltip values go into innerHTML: escape every string.
    props = {k: html.escape(str(v)) if isinstance(v, str) else v for k, v in feature["properties"].items()}
    props.update({k: html.escape(v) if isinstance(v, str) else v for k, v in extra.items()})
    return props


def add_choropleth(
    m: folium.Map,
    collection: dict,
    *,
    name: str,
    value_of,
    classes: Classes,
    tooltip: list[tuple[str, str]],
    details,
    show: bool = True,
) -> None:
    """Polygons coloured by `value_of(code)` in `classes`, with a tooltip of `details(code)` fields.

    `tooltip` is [(property, label)]; `details(code)` returns those properties as display strings.
    Nothing is drawn when `collection` has no features (no boundaries loaded yet): folium refuses a
    tooltip on an empty layer.
    """
    if not collection["features"]:
        return
    features = []
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        props = _safe_props(feature, details(code))
        props["fill"] = classes.color(value_of(code))
        features.append({**feature, "properties": props})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        show=show,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.6,
            "color": "#555555",
            "weight": 1,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(
            fields=[p for p, _ in tooltip], aliases=[label for _, label in tooltip], sticky=True
        ),
    ).add_to(m)


def add_outlines(
    m: folium.Map, collection: dict, *, name: str, color: str, weight: float, show: bool = True
) -> None:
    """Unfilled outlines with the unit's name as tooltip; nothing when `collection` is empty."""
    if not collection["features"]:
        return
    features = [{**f, "properties": _safe_props(f, {})} for f in collection["features"]]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        show=show,
        style_function=lambda f: {"fill": False, "color": color, "weight": weight},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name"], aliases=["Código", "Nombre"]),
    ).add_to(m)


def add_hotspots(m: folium.Map, hotspots: dict) -> None:
    """Significant cells only, as two layers: hot spots (shown) and cold spots (off by default).

    Cold cells mostly ring the area with reports (empty neighbours), so they start hidden.
    """
    for klass, name, color, show in (
        ("hot", "Puntos calientes (Gi*)", HOT, True),
        ("cold", "Puntos fríos (Gi*)", COLD, False),
    ):
        features = []
        for f in hotspots["features"]:
            p = f["properties"]
            if p["class"] != klass:
                continue
            props = {
                "count": fmt(p["count"]),
                "z": fmt(p["z_score"], 2),
                "p": f"{p['p_value']:.4f}",
            }
            features.append({**f, "properties": props})
        if not features:
            continue
        style = {"fillColor": color, "fillOpacity": 0.45, "color": color, "weight": 1}
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=name,
            show=show,
            style_function=lambda f, style=style: style,
            tooltip=folium.GeoJsonTooltip(fields=["count", "z", "p"], aliases=["Reportes", "z (Gi*)", "p"]),
        ).add_to(m)


# Perception pulse (mean 1–5 per UPZ): the diverging scale /percepcion/ uses (participation/js/pulse.js),
# as (upper bound, colour) with the last class open; UPZ below k are hatched, as on that page.
PULSE_CLASSES = ((1.8, "#d73027"), (2.6, "#fc8d59"), (3.4, "#fee090"), (4.2, "#91bfdb"), (None, "#4575b4"))
# An SVG <pattern> the dashboard template defines once (id="pulse-hatch"); Leaflet writes fillColor
# into the path's fill attribute, so a url() reference paints the hatching.
PULSE_HATCH = "url(#pulse-hatch)"
PULSE_LAYER_NAME = "Percepción de seguridad (pulso)"


def pulse_color(mean: float | None) -> str:
    """The /percepcion/ colour of a UPZ's mean perceived safety (1–5); the hatch for None (below k)."""
    if mean is None:
        return PULSE_HATCH
    for upper, color in PULSE_CLASSES:
        if upper is None or mean < upper:
            return color
    raise AssertionError("unreachable: the last class is open")


def pulse_legend() -> list[dict]:
    """[{color, label}] of the pulse classes, lowest first, for the page legend."""
    items, lower = [], 1.0
    for upper, color in PULSE_CLASSES:
        items.append({"color": color, "label": f"{fmt(lower, 1)}–{fmt(upper if upper else 5.0, 1)}"})
        lower = upper
    return items


def add_pulse(m: folium.Map, collection: dict, *, name: str = PULSE_LAYER_NAME, show: bool = False) -> None:
    """The perception pulse of participation.selectors.pulse_map (UPZ polygons, EPSG:4326, `mean`
    null below k) as an optional layer, off by default; nothing when there are no UPZ boundaries."""
    if not collection["features"]:
        return
    features = []
    for feature in collection["features"]:
        mean = feature["properties"]["mean"]
        text = "Sin datos suficientes" if mean is None else f"{fmt(mean, 2)} de 5"
        props = _safe_props({"properties": {"name": feature["properties"]["name"]}}, {"pulse": text})
        props["fill"] = pulse_color(mean)
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        show=show,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.85,
            "color": "#3b434b",
            "weight": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "pulse"], aliases=["UPZ", "Percepción media"], sticky=True
        ),
    ).add_to(m)


def rendered(m: folium.Map) -> dict:
    """The map split for a Django template: head (asset links, tooltip styles), body (div), script.

    folium's own page-level pieces are left out: its html/body 100% style and a viewport that
    forbids zooming (the page template sets both), and the content-type meta.
    """
    folium.LayerControl(collapsed=True).add_to(m)
    figure = m.get_root()
    figure.render()
    head = []
    for key, child in figure.header._children.items():
        if key == "meta_http" or key.startswith("map_"):
            continue
        head.append(child.render())
    return {
        "head": mark_safe("\n".join(head)),  # noqa: S308 - folium output built from escaped data
        "body": mark_safe(figure.html.render()),  # noqa: S308
        "script": mark_safe(figure.script.render()),  # noqa: S308
        "id": m.get_name(),
    }


# --- SVG chart --------------------------------------------------------------------------------------

MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def weekly_chart(weeks: list[dict], *, width: int = 640, height: int = 180) -> dict:
    """Bar geometry for reports per week (maps.selectors.weekly_counts), drawn as inline SVG.

    Returns {width, height, bars: [{x, y, w, h, title, suppressed}], ticks: [{y, label}],
    months: [{x, label}], total, empty}. Suppressed weeks get a short grey marker.
    """
    left, bottom, top = 40, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    counts = [w["count"] or 0 for w in weeks]
    peak = max(counts, default=0)
    step = _nice_step(peak)
    axis_max = max(step * math.ceil(peak / step), step) if peak else 1
    n = max(len(weeks), 1)
    slot = plot_w / n
    bars, months = [], []
    last_month = None
    for i, week in enumerate(weeks):
        count = week["count"]
        x = left + i * slot
        h = 0 if not count else plot_h * count / axis_max
        start = week["week_start"]
        title = f"Semana del {start:%d/%m/%Y}: " + (
            "oculto (menos de k reportes)" if week["suppressed"] else f"{fmt(count)} reportes"
        )
        bars.append(
            {
                "x": round(x + slot * 0.1, 1),
                "y": round(top + plot_h - (3 if week["suppressed"] else h), 1),
                "w": round(max(slot * 0.8, 1), 1),
                "h": round(3 if week["suppressed"] else h, 1),
                "title": title,
                "suppressed": week["suppressed"],
            }
        )
        if start.month != last_month:
            months.append({"x": round(x, 1), "label": f"{MONTHS_ES[start.month - 1]} {start:%y}"})
            last_month = start.month
    # Keep month labels apart on narrow charts.
    spaced, last_x = [], -1e9
    for month in months:
        if month["x"] - last_x >= 42:
            spaced.append(month)
            last_x = month["x"]
    ticks = []
    if peak:
        value = 0
        while value <= axis_max:
            ticks.append({"y": round(top + plot_h - plot_h * value / axis_max, 1), "label": fmt(value)})
            value += step
    return {
        "width": width,
        "height": height,
        "left": left,
        "baseline": top + plot_h,
        "bars": bars,
        "ticks": ticks,
        "months": spaced,
        "month_y": height - 6,
        "total": sum(counts),
        "empty": not peak,
        "any_suppressed": any(w["suppressed"] for w in weeks),
    }


def _nice_step(peak: int) -> int:
    if peak <= 0:
        return 1
    raw = peak / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)
