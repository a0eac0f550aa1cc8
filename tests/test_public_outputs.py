"""Every public output obeys the privacy rule (issue 7), and every URL is either covered here or exempt.

The rule, for callers without full detail (anonymous here):
1. a non-sensitive report is never placed closer than its public point (its exact point snapped to
   the PUBLIC_GRID_METRES grid in EPSG:9377);
2. a sensitive report has no public point and enters aggregates only at UPZ level or coarser, or in
   cells of >= 1000 m with k;
3. aggregate cells and clusters with fewer than k (PUBLIC_MIN_COUNT) reports are absent;
4. no output carries reporter identity, contact, tracking code, or a sensitive report's description.

How it is checked: one module fixture seeds reports at known exact points (tests/privacy_support.py:
a cluster of sensitive reports, a single sensitive report beside k-1 public ones, a cluster of public
reports and public singles) and fetches every request of PUBLIC_OUTPUTS anonymously three times:
- `base`;
- `public_moved`: each non-sensitive report mirrored inside its own public grid cell (same public
  point, same UPZ). Every output must be identical to `base` (rule 1: nothing may depend on where in
  its public cell a report is);
- `sensitive_moved`: each sensitive report moved 1.2 km inside its UPZ. Every output must be
  identical to `public_moved`, except outputs whose cells are >= 1 km (`coarse`), whose cells may
  appear or vanish only where a sensitive report was or went (rule 2);
plus direct checks on every snapshot: no point within 25 m of a sensitive report or on its snapped
node (rules 1–2), no cell or cluster below k (3), no seeded identity/contact/tracking code/sensitive
text and no field named for them (4). A signed-in citizen and a moderator must get the anonymous
form. Between snapshots the test refreshes what the platform refreshes after writes
(`refresh_after_writes`, the one place to adapt if that moves). Only volatile fields are normalised
before comparing (tests/privacy_support.py: Open311 `updated_datetime`, folium's random element ids,
the brief's print time); headers are not compared.
Controls keep the checks honest: public reports moved to other public cells must change the list and
the heatmap (the comparison and the refresh see changes), and outputs that may show a sensitive exact
point (its holder's view, an analyst's tile and exports) must be found by the detectors in JSON, MVT,
CSV and GeoPackage. Everything runs in one transaction that is rolled back.

Adding a public endpoint (one entry): give its URL pattern a name and add to PUBLIC_OUTPUTS
`"<url name>": lambda plan: [Fetch(reverse("<url name>", kwargs=...), params=(("k", "v"),), ...)]`,
listing the requests that exercise it on the seed (use plan.ids, plan.places, plan.sensitive_category;
set cells=True when the body lists aggregate cells with `count`, coarse=True when those cells are
>= 1 km). An endpoint that returns no public data (staff-only, auth, docs) goes to EXEMPT instead,
with the reason and one anonymous request whose allowed statuses prove it gives nothing away.
`test_every_url_pattern_is_covered_or_exempt` fails until one of the two is done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from shapely import Point, from_wkt, to_wkt
from shapely.geometry import shape as geojson_shape

from tests.factories import make_territory
from tests.participation.privacy_seed import seed_participation
from tests.privacy_support import (
    LAYOUT,
    Fetch,
    Output,
    Seed,
    at,
    fetch,
    metres_between,
    mirrored_in_public_cell,
    move_report,
    seed_reports,
    snapped,
    tiles_around,
    to_lonlat,
    to_metric,
)
from tests.reports.factories import make_category, make_user

# The data live in the module fixture's rolled-back transaction; the mark makes pytest-django set up
# the test database even when only this module is selected.
pytestmark = pytest.mark.django_db

K = int(getattr(settings, "PUBLIC_MIN_COUNT", 3))
SENSITIVE_EXACT_METRES = 25  # a place this close to a sensitive report's exact point locates it
SNAPPED_METRES = 2  # ... and its snapped 100 m node is a place only the public point of public reports has
COARSE_METRES = 1000  # rule 2: sensitive reports may be counted in cells at least this large
TILE_ZOOMS = range(10, 19)
CLUSTER_MAX_ZOOM = 13  # report tiles cluster below z14 and show points from z14 on


def refresh_after_writes() -> None:
    """Whatever the platform refreshes after report writes (rename here if the refresh moves)."""
    from maps.services import rollups_refresh

    rollups_refresh(full=True)


@dataclass
class Plan:
    """What the fetch lists are built from; the same before and after every move."""

    seed: Seed
    ids: list[int]
    places: list[tuple[float, float]]  # every exact, moved and public point of the seed (lon, lat)
    participation: dict = field(default_factory=dict)  # ids seeded by tests/participation/privacy_seed.py

    @property
    def sensitive_category(self) -> str:
        return self.seed.sensitive_category

    @property
    def public_category(self) -> str:
        return self.seed.public_category


# --- the registry of public outputs ----------------------------------------------------------------
def _cells_sweep(name: str, plan: Plan, sizes: tuple[int, ...] | None = None) -> list[Fetch]:
    """Every allowed cell size (or `sizes`) and shape of a grid endpoint, plus category-filtered samples."""
    from maps.serializers import MAX_CELL_METRES, MIN_CELL_METRES
    from reports.visibility import public_grid_metres

    path = reverse(name)
    fetches = []
    for shape in ("square", "hex"):
        for cell in sizes or range(MIN_CELL_METRES, MAX_CELL_METRES + 1, public_grid_metres()):
            coarse = cell >= COARSE_METRES
            params = (("cell", str(cell)), ("shape", shape))
            fetches.append(Fetch(path, params, cells=True, coarse=coarse))
            if cell in (100, 300, 1000):
                for category in (plan.sensitive_category, plan.public_category):
                    # Refusing a sensitive category below 1 km (400) gives nothing away either.
                    ok = (200, 400) if category == plan.sensitive_category and not coarse else (200,)
                    params_c = (*params, ("category", category))
                    fetches.append(Fetch(path, params_c, cells=True, coarse=coarse, statuses=ok))
    return fetches


def _bbox_probes(plan: Plan, half_degrees: float = 0.0002) -> list[tuple[tuple[str, str], ...]]:
    """A ~45 m bbox around every place of the seed: a bbox on exact points would reveal them."""
    probes = []
    for lon, lat in plan.places:
        box = f"{lon - half_degrees:.6f},{lat - half_degrees:.6f},{lon + half_degrees:.6f},{lat + half_degrees:.6f}"
        probes.append((("bbox", box),))
    return probes


def _report_tiles(plan: Plan) -> list[Fetch]:
    fetches = []
    for z in TILE_ZOOMS:
        ring = 1 if z <= 14 else 0  # low zooms: neighbours too (cheap, they dedupe)
        for x, y in tiles_around(plan.places, z, ring):
            path = reverse("tiles-reports", kwargs={"z": z, "x": x, "y": y})
            fetches.append(Fetch(path, cells=z <= CLUSTER_MAX_ZOOM, tile=(z, x, y), statuses=(200, 204)))
            if z <= 14:
                params = (("category", plan.sensitive_category),)
                fetches.append(
                    Fetch(path, params, cells=z <= CLUSTER_MAX_ZOOM, tile=(z, x, y), statuses=(200, 204))
                )
    return fetches


def _boundary_tile(name: str) -> Callable[[Plan], list[Fetch]]:
    def fetches(plan: Plan) -> list[Fetch]:
        z = 12
        x, y = tiles_around([at(0, 0)], z, 0)[0]
        return [Fetch(reverse(name, kwargs={"z": z, "x": x, "y": y}), tile=(z, x, y), statuses=(200, 204))]

    return fetches


def _aggregates(plan: Plan) -> list[Fetch]:
    fetches = []
    for fmt in ("geojson", "csv", "gpkg"):
        path = reverse("exports-aggregates", kwargs={"fmt": fmt})
        for level in ("locality", "upz"):
            fetches.append(Fetch(path, (("level", level),)))
        cells = (100, 200, 300, 500, 1000, 2000, 5000) if fmt == "geojson" else (100, 1000)
        for cell in cells:
            params = (("level", "grid"), ("cell", str(cell)))
            fetches.append(Fetch(path, params, cells=True, coarse=cell >= COARSE_METRES))
        # Cells that are not whole public-grid cells would cut them: refused, so they reveal nothing.
        for cell in (150, 999):
            fetches.append(Fetch(path, (("level", "grid"), ("cell", str(cell))), statuses=(400,)))
    path = reverse("exports-aggregates", kwargs={"fmt": "geojson"})
    for params in (
        (("level", "locality"),),
        (("level", "grid"), ("cell", "100")),
        (("level", "grid"), ("cell", "300")),
    ):
        grid = params[0][1] == "grid"
        ok = (200, 400) if grid else (200,)  # as in _cells_sweep: refusing gives nothing away
        fetches.append(Fetch(path, (*params, ("category", plan.sensitive_category)), cells=grid, statuses=ok))
    return fetches


def _open311(name: str, **kwargs) -> list[Fetch]:
    return [Fetch(reverse(f"open311:{name}", kwargs={**kwargs, "fmt": fmt})) for fmt in ("json", "xml")]


def _nearby(plan: Plan) -> list[Fetch]:
    path = reverse("report-nearby")
    fetches = []
    for report in plan.seed.reports.values():
        lon, lat = report.location.x, report.location.y
        for category in (plan.sensitive_category, plan.public_category):
            for radius in ("1000",):  # the largest radius allowed: every report it can reach
                params = (
                    ("lat", f"{lat:.7f}"),
                    ("lon", f"{lon:.7f}"),
                    ("category", category),
                    ("radius", radius),
                )
                fetches.append(Fetch(path, params))
    return fetches


def _pages(name: str, codes=("01", "02")) -> Callable[[Plan], list[Fetch]]:
    def fetches(plan: Plan) -> list[Fetch]:
        found = []
        for code in codes:
            path = reverse(name, kwargs={"code": code}) if code else reverse(name)
            found += [Fetch(path)]
            found += [
                Fetch(path, (("categoria", c),)) for c in (plan.sensitive_category, plan.public_category)
            ]
        return found

    return fetches


PUBLIC_OUTPUTS: dict[str, Callable[[Plan], list[Fetch]]] = {
    # territory and taxonomy (no report data, covered so a future change cannot add some unseen)
    "category-list": lambda plan: [Fetch(reverse("category-list"))],
    "locality-list": lambda plan: [
        Fetch(reverse("locality-list")),
        Fetch(reverse("locality-list"), (("simplify", "100"),)),
    ],
    "locality-detail": lambda plan: [
        Fetch(reverse("locality-detail", kwargs={"code": c})) for c in ("01", "02")
    ],
    "upz-list": lambda plan: [Fetch(reverse("upz-list")), Fetch(reverse("upz-list"), (("locality", "01"),))],
    "locate": lambda plan: [
        Fetch(reverse("locate"), (("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}"))) for lon, lat in [at(0, 0)]
    ],
    # reports
    "report-list": lambda plan: [
        Fetch(reverse("report-list")),
        *(
            Fetch(reverse("report-list"), (("category", c),))
            for c in (plan.sensitive_category, plan.public_category)
        ),
        *(Fetch(reverse("report-list"), probe) for probe in _bbox_probes(plan)),
    ],
    "report-public-detail": lambda plan: [
        Fetch(reverse("report-public-detail", kwargs={"pk": pk})) for pk in plan.ids
    ],
    "report-nearby": _nearby,
    # maps: analysis, layers, tiles, exports, pages
    "maps-heatmap": lambda plan: [
        *_cells_sweep("maps-heatmap", plan),
        Fetch(reverse("maps-heatmap"), (("output", "points"),)),
        *(
            Fetch(reverse("maps-heatmap"), (("output", "points"), ("category", c)))
            for c in (plan.sensitive_category, plan.public_category)
        ),
    ],
    # Same grid as the heatmap (every size is swept there); Gi* is costlier, so a sample of sizes.
    "maps-hotspots": lambda plan: _cells_sweep(
        "maps-hotspots", plan, (100, 200, 300, 500, 700, 1000, 2500, 5000)
    ),
    "maps-stats": lambda plan: [
        Fetch(reverse("maps-stats"), (("level", level), *extra))
        for level in ("locality", "upz")
        for extra in ((), (("category", plan.sensitive_category),), (("category", plan.public_category),))
    ],
    "maps-reports-geojson": lambda plan: [
        Fetch(reverse("maps-reports-geojson")),
        Fetch(reverse("maps-reports-geojson"), (("category", plan.sensitive_category),)),
        *(Fetch(reverse("maps-reports-geojson"), probe) for probe in _bbox_probes(plan)),
    ],
    "tiles-reports": _report_tiles,
    "tiles-upz": _boundary_tile("tiles-upz"),
    "tiles-localities": _boundary_tile("tiles-localities"),
    "exports-reports": lambda plan: [
        Fetch(reverse("exports-reports", kwargs={"fmt": fmt}), extra)
        for fmt in ("geojson", "csv", "gpkg")
        for extra in ((), (("category", plan.sensitive_category),))
    ],
    "exports-aggregates": _aggregates,
    "map-public": _pages("map-public", codes=(None,)),
    "map-locality": _pages("map-locality"),
    "map-brief": _pages("map-brief"),
    # citizen web app (web/): the home list and map configuration, public report pages, empty forms
    "web-home": lambda plan: [
        Fetch(reverse("web-home")),
        *(
            Fetch(reverse("web-home"), (("categoria", c),))
            for c in (plan.sensitive_category, plan.public_category)
        ),
        Fetch(reverse("web-home"), (("periodo", "7"),)),
    ],
    "web-report-public": lambda plan: [
        Fetch(reverse("web-report-public", kwargs={"pk": pk})) for pk in plan.ids
    ],
    "web-follow": lambda plan: [Fetch(reverse("web-follow"))],
    # Open311 GeoReport v2
    "open311:discovery": lambda plan: _open311("discovery"),
    "open311:services": lambda plan: _open311("services"),
    "open311:service": lambda plan: [
        f
        for c in (plan.sensitive_category, plan.public_category)
        for f in _open311("service", service_code=c)
    ],
    "open311:requests": lambda plan: [
        *_open311("requests"),
        *(
            Fetch(
                reverse("open311:requests", kwargs={"fmt": fmt}), (("service_code", plan.sensitive_category),)
            )
            for fmt in ("json", "xml")
        ),
    ],
    "open311:request": lambda plan: [
        f for pk in plan.ids for f in _open311("request", service_request_id=str(pk))
    ],
    "open311:token": lambda plan: [f for pk in plan.ids for f in _open311("token", token=str(pk))],
    # access to justice: the office directory and the procedures guide (no report data; justice
    # requests are never listed anywhere, see tests/justice/test_privacy.py)
    "service-list": lambda plan: [
        Fetch(reverse("service-list")),
        Fetch(reverse("service-list"), (("locality", "01"), ("kind", "cai"))),
    ],
    "service-nearest": lambda plan: [
        Fetch(reverse("service-nearest"), (("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}"), ("limit", "20")))
        for lon, lat in [at(0, 0)]
    ],
    "service-detail": lambda plan: _service_detail(),
    # The toy territory may or may not lie under the official quadrants (loaded by the justice tests).
    "quadrant": lambda plan: [
        Fetch(reverse("quadrant"), (("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}")), statuses=(200, 404))
        for lon, lat in [at(0, 0)]
    ],
    "procedure-list": lambda plan: [
        Fetch(reverse("procedure-list")),
        Fetch(reverse("procedure-list"), (("category", plan.sensitive_category),)),
    ],
    "procedure-detail": lambda plan: [Fetch(reverse("procedure-detail", kwargs={"code": "rina"}))],
    # participation (issue 10): proposals, accountability, pulse aggregates, public sessions
    "proposal-list": lambda plan: [
        Fetch(reverse("proposal-list")),
        Fetch(reverse("proposal-list"), (("locality", "01"),)),
    ],
    "proposal-detail": lambda plan: [
        Fetch(reverse("proposal-detail", kwargs={"pk": pk})) for pk in plan.participation["proposals"]
    ],
    "accountability": lambda plan: [Fetch(reverse("accountability"))],
    "accountability-locality": lambda plan: [
        Fetch(reverse("accountability-locality", kwargs={"code": c})) for c in ("01", "02")
    ],
    "accountability-csv": lambda plan: [Fetch(reverse("accountability-csv"))],
    "accountability-commitments": lambda plan: [
        Fetch(reverse("accountability-commitments", kwargs={"fmt": fmt}), extra)
        for fmt in ("geojson", "csv")
        for extra in ((), (("locality", "01"),))
    ],
    # Per-UPZ means with their answer counts: UPZ 2 has fewer than k answers and must be absent
    # (tests/participation/test_api.py checks the suppression itself).
    "pulse": lambda plan: [Fetch(reverse("pulse")), Fetch(reverse("pulse"), (("locality", "01"),))],
    # The same means on UPZ polygons: UPZ 2 (fewer than k answers) must carry mean null, no count
    # (tests/participation/test_citizen_pulse_map.py checks it).
    "pulse-map": lambda plan: [
        Fetch(reverse("pulse-map")),
        Fetch(reverse("pulse-map"), (("locality", "01"),)),
    ],
    "session-calendar": lambda plan: [
        Fetch(reverse("session-calendar", kwargs={"pk": pk})) for pk in plan.participation["sessions"]
    ],
    "participation-proposals": lambda plan: [
        Fetch(reverse("participation-proposals")),
        Fetch(reverse("participation-proposals"), (("localidad", "01"),)),
    ],
    "participation-proposal": lambda plan: [
        Fetch(reverse("participation-proposal", kwargs={"pk": pk})) for pk in plan.participation["proposals"]
    ],
    "participation-session": lambda plan: [
        Fetch(reverse("participation-session", kwargs={"pk": pk})) for pk in plan.participation["sessions"]
    ],
    "participation-accountability": lambda plan: [Fetch(reverse("participation-accountability"))],
    "participation-accountability-locality": _pages("participation-accountability-locality"),
    "participation-pulse": lambda plan: [Fetch(reverse("participation-pulse"))],
    # the same directory and guide as citizen pages (issue 11)
    "web-guide": lambda plan: [Fetch(reverse("web-guide")), Fetch(reverse("web-guide"), (("q", "ruido"),))],
    "web-guide-detail": lambda plan: [Fetch(reverse("web-guide-detail", kwargs={"code": "rina"}))],
    "web-nearby": lambda plan: [
        Fetch(reverse("web-nearby")),
        *(
            Fetch(reverse("web-nearby"), (("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}"), ("tipo", kind)))
            for lon, lat in [at(0, 0)]
            for kind in ("", "cai")
        ),
    ],
    "web-service": lambda plan: _service_detail("web-service"),
}


def _service_detail(name: str = "service-detail") -> list[Fetch]:
    from justice.models import ServicePoint

    first = ServicePoint.objects.current().order_by("pk").first()
    if first is None:
        return [Fetch(reverse(name, kwargs={"pk": 999999}), statuses=(404,))]
    return [Fetch(reverse(name, kwargs={"pk": first.pk}))]


@dataclass(frozen=True)
class Exempt:
    """An endpoint without public data: why, and one anonymous request that must give nothing away."""

    reason: str
    probe: Callable[[Plan], Fetch]


NO_DATA = (401, 403, 404, 405)


def _probe(name: str, statuses=NO_DATA, **kwargs) -> Callable[[Plan], Fetch]:
    return lambda plan: Fetch(reverse(name, kwargs=kwargs or None), statuses=statuses)


def _first_id(name: str, statuses=NO_DATA) -> Callable[[Plan], Fetch]:
    return lambda plan: Fetch(reverse(name, kwargs={"pk": plan.ids[0]}), statuses=statuses)


def _first_participation(name: str, statuses=NO_DATA) -> Callable[[Plan], Fetch]:
    return lambda plan: Fetch(
        reverse(name, kwargs={"pk": plan.participation["proposals"][0]}), statuses=statuses
    )


def _council(name: str, key: str) -> Callable[[Plan], Fetch]:
    """An anonymous call on a seeded session (restricted, so nothing of it is public): 401."""
    return lambda plan: Fetch(reverse(name, kwargs={"pk": plan.participation[key]}), statuses=(401,))


def _web_code(name: str) -> Callable[[Plan], Fetch]:
    return lambda plan: Fetch(reverse(name, kwargs={"code": "ZZZZZZZZZZ"}), statuses=(404,))


EXEMPT: dict[str, Exempt] = {
    "web-report-done": Exempt(
        "the reporter's page behind the tracking code (a bearer secret)", _web_code("web-report-done")
    ),
    "web-follow-detail": Exempt(
        "the reporter's follow page behind the tracking code", _web_code("web-follow-detail")
    ),
    "web-report": Exempt(
        "the empty report form (its account hint depends on who is signed in); the nearby reports it "
        "offers come from the same selector as report-nearby, which is covered",
        _probe("web-report", (200,)),
    ),
    "web-report-support": Exempt("POST only ('Yo también')", _first_id("web-report-support")),
    "web-register": Exempt("sign-up form; no database data", _probe("web-register", (200,))),
    "web-login": Exempt("sign-in form; no database data", _probe("web-login", (200,))),
    "web-logout": Exempt("sign-out (POST)", _probe("web-logout")),
    "web-my-reports": Exempt("the signed-in reporter's own reports", _probe("web-my-reports", (302,))),
    "web-password-reset": Exempt(
        "password-reset form; no database data", _probe("web-password-reset", (200,))
    ),
    "web-password-reset-sent": Exempt("static confirmation", _probe("web-password-reset-sent", (200,))),
    "web-password-reset-confirm": Exempt(
        "reset link with a signed token; an invalid one shows no data",
        _probe("web-password-reset-confirm", (200,), uidb64="MQ", token="nada-nada"),
    ),
    "web-password-reset-complete": Exempt(
        "static confirmation", _probe("web-password-reset-complete", (200,))
    ),
    "web-set-language": Exempt("language switch (POST)", _probe("web-set-language", (302, 405))),
    "web-service-worker": Exempt(
        "the app shell's service worker script", _probe("web-service-worker", (200,))
    ),
    "web-manifest": Exempt("the web app manifest", _probe("web-manifest", (200,))),
    "web-justice-request": Exempt(
        "the virtual justice request form (a private request; no database data on GET)",
        _probe("web-justice-request", (200,)),
    ),
    "web-justice-done": Exempt(
        "the requester's page behind the justice tracking code (bearer secret)",
        _probe("web-justice-done", (404,), code="JZZZZZZZZZZ"),
    ),
    "web-justice-follow": Exempt(
        "justice tracking-code form; no database data", _probe("web-justice-follow", (200,))
    ),
    "web-justice-track": Exempt(
        "a justice request's status behind its tracking code (never the narrative)",
        _probe("web-justice-track", (404,), code="JZZZZZZZZZZ"),
    ),
    "schema": Exempt("OpenAPI description; no database data", _probe("schema", (200,))),
    "api-docs": Exempt("interactive docs page; no database data", _probe("api-docs", (200,))),
    "admin-login": Exempt(
        "the admin's sign-in form (throttled); no database data", _probe("admin-login", (200,))
    ),
    "open311:unknown": Exempt(
        "Open311's error list for a path the spec does not define",
        lambda plan: Fetch(
            reverse("open311:unknown", kwargs={"rest": "nada", "fmt": "json"}), statuses=(404,)
        ),
    ),
    "report-mine": Exempt("the signed-in reporter's own reports", _probe("report-mine")),
    "report-track": Exempt(
        "the reporter's view behind the tracking code, a bearer secret that no public output carries "
        "(checked by test_no_identity_contact_tracking_code_or_sensitive_text)",
        _probe("report-track", (404,), tracking_code="ZZZZZZZZZZ"),
    ),
    "report-support": Exempt("POST only ('me too'); its answer is a count", _first_id("report-support")),
    "staff-report-list": Exempt("staff workbench", _probe("staff-report-list")),
    "staff-report-detail": Exempt("staff workbench", _first_id("staff-report-detail")),
    "staff-report-transition": Exempt("staff workflow (POST)", _first_id("staff-report-transition")),
    "staff-report-respond": Exempt("staff workflow (POST)", _first_id("staff-report-respond")),
    "staff-report-duplicate": Exempt("staff workflow (POST)", _first_id("staff-report-duplicate")),
    "staff-report-hide": Exempt("moderation (POST)", _first_id("staff-report-hide")),
    "auth-token": Exempt("token issue/revoke (POST/DELETE)", _probe("auth-token")),
    "auth-login": Exempt(
        "session login (POST); a GET only sets the CSRF cookie", _probe("auth-login", (204,))
    ),
    "auth-logout": Exempt("session logout (POST)", _probe("auth-logout")),
    "auth-register": Exempt("account creation (POST)", _probe("auth-register")),
    "auth-me": Exempt("the signed-in user's own account", _probe("auth-me")),
    "justice-request-create": Exempt(
        "POST only: a citizen's private justice request; its answer is the requester's own tracking view",
        _probe("justice-request-create"),
    ),
    "justice-request-track": Exempt(
        "a justice request's status behind its tracking code (bearer secret; never the narrative)",
        _probe("justice-request-track", (404,), tracking_code="JZZZZZZZZZZ"),
    ),
    "staff-justice-request-list": Exempt(
        "receiving office's workbench", _probe("staff-justice-request-list")
    ),
    "staff-justice-request-detail": Exempt(
        "receiving office's workbench", _probe("staff-justice-request-detail", pk=1)
    ),
    "staff-justice-request-transition": Exempt(
        "receiving office's workflow (POST)", _probe("staff-justice-request-transition", pk=1)
    ),
    "staff-justice-attachment": Exempt(
        "a justice request's attachment, for the receiving office",
        _probe("staff-justice-attachment", pk=1, attachment_id=1),
    ),
    "web-report-abuse": Exempt(
        "POST only ('reportar abuso'); its answer is a redirect", _first_id("web-report-abuse")
    ),
    # Staff workbench (/gestion/): anonymous callers are sent to its sign-in page.
    "workbench-login": Exempt("staff sign-in form; no database data", _probe("workbench-login", (200,))),
    "workbench-logout": Exempt("staff sign-out (POST)", _probe("workbench-logout")),
    "workbench-start": Exempt("staff start page", _probe("workbench-start", (302,))),
    "workbench-queue": Exempt("staff queue", _probe("workbench-queue", (302,))),
    "workbench-queue-csv": Exempt("staff queue export", _probe("workbench-queue-csv", (302,))),
    "workbench-queue-bulk": Exempt("staff workflow (POST)", _probe("workbench-queue-bulk")),
    "workbench-report": Exempt("staff report page", _first_id("workbench-report", (302,))),
    "workbench-report-transition": Exempt("staff workflow (POST)", _first_id("workbench-report-transition")),
    "workbench-report-respond": Exempt("staff workflow (POST)", _first_id("workbench-report-respond")),
    "workbench-report-duplicate": Exempt("staff workflow (POST)", _first_id("workbench-report-duplicate")),
    "workbench-report-hide": Exempt("moderation (POST)", _first_id("workbench-report-hide")),
    "workbench-report-photo": Exempt(
        "a report's photo for staff who may open the report",
        lambda plan: Fetch(
            reverse("workbench-report-photo", kwargs={"pk": plan.ids[0], "photo_pk": 1}), statuses=(302,)
        ),
    ),
    "workbench-justice": Exempt(
        "receiving office's list of justice requests (sign-in)", _probe("workbench-justice", (302,))
    ),
    "workbench-justice-detail": Exempt(
        "one justice request for its office (sign-in)", _probe("workbench-justice-detail", (302,), pk=1)
    ),
    "workbench-justice-step": Exempt("justice workflow (POST)", _probe("workbench-justice-step", pk=1)),
    "workbench-justice-refer": Exempt("justice referral (POST)", _probe("workbench-justice-refer", pk=1)),
    "workbench-justice-note": Exempt("justice internal note (POST)", _probe("workbench-justice-note", pk=1)),
    "workbench-justice-attachment": Exempt(
        "a justice request's attachment for its office (sign-in)",
        _probe("workbench-justice-attachment", (302,), pk=1, attachment_pk=1),
    ),
    "workbench-moderation": Exempt("moderation queue", _probe("workbench-moderation", (302,))),
    "workbench-moderation-report": Exempt(
        "moderation page of one report", _first_id("workbench-moderation-report", (302,))
    ),
    "workbench-moderation-redact": Exempt("moderation (POST)", _first_id("workbench-moderation-redact")),
    "workbench-moderation-hide": Exempt("moderation (POST)", _first_id("workbench-moderation-hide")),
    "workbench-moderation-dismiss": Exempt("moderation (POST)", _first_id("workbench-moderation-dismiss")),
    # participation (issue 10)
    "proposal-support": Exempt(
        "POST only (support); its answer is a count", _first_participation("proposal-support")
    ),
    "proposal-withdraw": Exempt("the author's withdrawal (POST)", _first_participation("proposal-withdraw")),
    "proposal-moderate": Exempt("moderation (POST)", _first_participation("proposal-moderate")),
    "participation-proposal-new": Exempt(
        "the empty proposal form, signed-in citizens only", _probe("participation-proposal-new", (302,))
    ),
    "participation-proposal-withdraw": Exempt(
        "the author's withdrawal (POST, signed in)",
        _first_participation("participation-proposal-withdraw", (302, 405)),
    ),
    "participation-proposal-moderate": Exempt(
        "moderation (POST, staff)", _first_participation("participation-proposal-moderate", (302, 405))
    ),
    "participation-proposal-support": Exempt(
        "POST only (support)", _first_participation("participation-proposal-support", (302, 405))
    ),
    "participation-session-register": Exempt(
        "POST only (registration)",
        lambda plan: Fetch(
            reverse("participation-session-register", kwargs={"pk": plan.participation["sessions"][0]}),
            statuses=(302, 405),
        ),
    ),
    "participation-staff-sessions": Exempt(
        "staff pages (sign-in)", _probe("participation-staff-sessions", (302,))
    ),
    "participation-staff-session": Exempt(
        "staff pages (sign-in); a restricted session gives anonymous callers a redirect",
        lambda plan: Fetch(
            reverse("participation-staff-session", kwargs={"pk": plan.participation["restricted"]}),
            statuses=(302,),
        ),
    ),
    "participation-staff-commitment": Exempt(
        "staff pages (sign-in)",
        lambda plan: Fetch(reverse("participation-staff-commitment", kwargs={"pk": 1}), statuses=(302,)),
    ),
    # participation staff API (councils): staff of the locality, analysts; anonymous callers get 401
    "staff-council-session-list": Exempt("council staff API", _probe("staff-council-session-list", (401,))),
    "staff-council-session-detail": Exempt(
        "council staff API", _council("staff-council-session-detail", "restricted")
    ),
    "staff-council-agenda-proposal": Exempt(
        "council staff workflow (POST)", _council("staff-council-agenda-proposal", "restricted")
    ),
    "staff-council-agenda-figures": Exempt(
        "council staff workflow (POST)", _council("staff-council-agenda-figures", "restricted")
    ),
    "staff-council-minutes": Exempt(
        "council staff workflow (POST)", _council("staff-council-minutes", "restricted")
    ),
    "staff-council-commitment-create": Exempt(
        "council staff workflow (POST)", _council("staff-council-commitment-create", "restricted")
    ),
    "staff-council-commitment-list": Exempt(
        "council staff API", _probe("staff-council-commitment-list", (401,))
    ),
    "staff-council-commitment-detail": Exempt(
        "council staff API", _probe("staff-council-commitment-detail", (401,), pk=1)
    ),
    "staff-council-commitment-progress": Exempt(
        "council staff workflow (POST)", _probe("staff-council-commitment-progress", (401,), pk=1)
    ),
    "healthz": Exempt("load balancer probe: the process answers", _probe("healthz", (200,))),
    "readyz": Exempt(
        "load balancer probe: database, migrations and replica lag, no report data", _probe("readyz", (200,))
    ),
}
# Whole namespaces: the Django admin answers anonymous callers with a redirect to its login page.
EXEMPT_NAMESPACES: dict[str, Exempt] = {
    "admin": Exempt("Django admin, staff login required", lambda plan: Fetch("/admin/", statuses=(302,))),
}


# --- the run: seed, fetch, move, fetch ---------------------------------------------------------------
SNAPSHOTS = ("base", "public_moved", "sensitive_moved")


def _heatmap_100() -> Fetch:
    return Fetch(reverse("maps-heatmap"), (("cell", "100"), ("shape", "square")), cells=True)


@dataclass
class Run:
    plan: Plan
    fetches: dict[str, list[Fetch]]  # registry key -> fetches
    snapshots: dict[str, dict[str, Output]] = field(default_factory=dict)  # name -> label -> output
    exempt: dict[str, Output] = field(default_factory=dict)
    role_snapshots: dict[str, dict[str, Output]] = field(default_factory=dict)  # base data, signed in
    detector_controls: dict[str, tuple[Output, tuple[float, float], str]] = field(default_factory=dict)
    sensitive_places: list[tuple[float, float]] = field(default_factory=list)  # exact, every snapshot
    control_changed: dict[str, bool] = field(default_factory=dict)


def _role_sample(fetches: dict[str, list[Fetch]]) -> dict[str, list[Fetch]]:
    """Every fifth request of each endpoint (at least one): enough to compare signed-in roles with
    anonymous callers, at a fifth of the cost."""
    return {key: items[::5] for key, items in fetches.items()}


def _snapshot(client, fetches: dict[str, list[Fetch]]) -> dict[str, Output]:
    outputs = {}
    for items in fetches.values():
        for item in items:
            if item.label not in outputs:
                outputs[item.label] = fetch(client, item)
    return outputs


def _detector_controls(client, report) -> dict[str, tuple[Output, tuple[float, float], str]]:
    """Outputs that legitimately show a sensitive report's exact point (its holder's view, an analyst's
    tile and exports), to prove the detectors read every format: name -> (output, exact point, code)."""
    analyst = make_user("analista_control_privacidad", role="analyst")
    privileged = APIClient()
    privileged.force_authenticate(analyst)
    exact = (report.location.x, report.location.y)
    z = 18
    x, y = tiles_around([exact], z, 0)[0]
    items = {
        "holder view (JSON)": (
            client,
            Fetch(reverse("report-track", kwargs={"tracking_code": report.tracking_code})),
        ),
        "analyst tile z18 (MVT)": (
            privileged,
            Fetch(reverse("tiles-reports", kwargs={"z": z, "x": x, "y": y}), tile=(z, x, y)),
        ),
        **{
            f"analyst export ({fmt})": (privileged, Fetch(reverse("exports-reports", kwargs={"fmt": fmt})))
            for fmt in ("geojson", "csv", "gpkg")
        },
    }
    return {name: (fetch(c, item), exact, report.tracking_code) for name, (c, item) in items.items()}


@pytest.fixture(scope="module")
def run(django_db_setup, django_db_blocker) -> Run:
    client = APIClient()
    with django_db_blocker.unblock(), transaction.atomic():
        make_territory(checksum="privacy-test")
        seed = seed_reports(
            sensitive_category=make_category("extorsion", sensitive=True),
            public_category=make_category("hurto"),
        )
        reports = seed.reports
        mirrored = {key: mirrored_in_public_cell(r) for key, r in reports.items() if not r.category.sensitive}
        moved = {}
        for key, sensitive, _dx, _dy, shift in LAYOUT:
            if sensitive:
                x, y = to_metric(reports[key].location.x, reports[key].location.y)
                moved[key] = to_lonlat(x + shift[0], y + shift[1])
        exact = [(r.location.x, r.location.y) for r in reports.values()]
        public = [(r.public_location.x, r.public_location.y) for r in seed.non_sensitive()]
        places = exact + public + list(mirrored.values()) + list(moved.values())
        plan = Plan(
            seed=seed,
            ids=sorted(r.pk for r in reports.values()),
            places=places,
            participation=seed_participation(seed),
        )
        result = Run(plan=plan, fetches={key: build(plan) for key, build in PUBLIC_OUTPUTS.items()})
        result.sensitive_places = [(r.location.x, r.location.y) for r in seed.sensitive()] + list(
            moved.values()
        )

        refresh_after_writes()
        result.snapshots["base"] = _snapshot(client, result.fetches)
        result.detector_controls = _detector_controls(client, reports["s_cluster_1"])
        for role, user in (
            ("citizen", make_user("ciudadana_privacidad")),
            ("moderator", make_user("moderadora_privacidad", role="moderator")),
        ):
            signed_in = APIClient()
            signed_in.force_login(user)  # a session, so Django pages see the user as DRF views do
            result.role_snapshots[role] = _snapshot(signed_in, _role_sample(result.fetches))
        for key, target in mirrored.items():
            before = reports[key].public_location
            move_report(reports[key], target)
            assert reports[key].public_location.equals_exact(before, 1e-9), "seed: mirror left the cell"
        refresh_after_writes()
        result.snapshots["public_moved"] = _snapshot(client, result.fetches)
        for key, target in moved.items():
            assert metres_between((reports[key].location.x, reports[key].location.y), target) > 1000
            move_report(reports[key], target)
        refresh_after_writes()
        result.snapshots["sensitive_moved"] = _snapshot(client, result.fetches)
        result.exempt = {
            name: fetch(client, exempt.probe(plan))
            for name, exempt in {**EXEMPT, **EXEMPT_NAMESPACES}.items()
        }
        # Control: public reports moved to another public cell must change the list and the heatmap
        # (so the refresh reaches the rollups and the comparisons are not blind).
        control = {"control": [result.fetches["report-list"][0], _heatmap_100()]}
        for key in ("n_cluster_1", "n_cluster_2", "n_cluster_3", "n_cluster_4"):
            x, y = to_metric(reports[key].location.x, reports[key].location.y)
            move_report(reports[key], to_lonlat(x + 300, y))
        refresh_after_writes()
        after = _snapshot(client, control)
        result.control_changed = {
            item.label: after[item.label] != result.snapshots["sensitive_moved"][item.label]
            for item in control["control"]
        }
        transaction.set_rollback(True)
    cache.clear()
    return result


KEYS = sorted(PUBLIC_OUTPUTS)


def _outputs(run: Run, key: str, snapshot: str):
    for item in run.fetches[key]:
        yield item, run.snapshots[snapshot][item.label]


def _difference(a: Output, b: Output) -> str:
    """A short description of where two outputs differ."""
    if a.status != b.status:
        return f"status {a.status} → {b.status}"
    left = json.dumps(a.canonical, sort_keys=True, ensure_ascii=False, default=str)
    right = json.dumps(b.canonical, sort_keys=True, ensure_ascii=False, default=str)
    at_char = next(
        (i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y), min(len(left), len(right))
    )
    start = max(0, at_char - 60)
    return f"…{left[start : at_char + 60]}… → …{right[start : at_char + 60]}…"


def _report(problems: list[str], limit: int = 8) -> str:
    shown = "\n  ".join(problems[:limit])
    more = f"\n  … and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problem(s):\n  {shown}{more}"


# --- direct checks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_public_output_answers(run, key):
    """Every request of the registry answers as expected, so no check below passes on an error page."""
    assert run.fetches[key], f"{key}: the registry entry lists no request"
    problems = [
        f"{item.label}: status {output.status}, expected {item.statuses}"
        for snapshot in SNAPSHOTS
        for item, output in _outputs(run, key, snapshot)
        if output.status not in item.statuses
    ]
    assert not problems, _report(problems)


def test_seeded_reports_are_visible_in_the_public_outputs(run):
    """The seed is really there: the list shows every report, the 100 m heatmap a cell of >= k."""
    listed = run.snapshots["base"][reverse("report-list")].canonical
    assert sorted(f["id"] for f in listed["features"]) == run.plan.ids
    heat = run.snapshots["base"][_heatmap_100().label]
    assert any((count or 0) >= K for count in heat.cell_counts)
    tiles = [o for _i, o in _outputs(run, "tiles-reports", "base") if o.canonical]
    assert tiles, "no report tile had any feature"


def test_differential_check_sees_a_real_move(run):
    """Moving public reports to other public cells changes the outputs: the comparisons are not blind."""
    assert run.control_changed and all(run.control_changed.values()), run.control_changed


def test_detectors_see_a_sensitive_place_in_every_format(run):
    """The place extraction reads JSON, MVT, CSV and GeoPackage, and the text search reads the tracking
    code and sensitive text, so a clean public output means clean, not unread."""
    assert run.detector_controls
    for name, (output, exact, _code) in run.detector_controls.items():
        assert output.status == 200, f"{name}: status {output.status}"
        closest = min((metres_between(p, exact) for p in output.places), default=None)
        assert closest is not None and closest < SENSITIVE_EXACT_METRES, f"{name}: closest place {closest} m"
    holder, _exact, code = run.detector_controls["holder view (JSON)"]
    assert code.lower() in holder.text.lower()
    assert {"tracking_code", "location"} <= _field_names(holder.canonical) & PRIVATE_FIELDS
    assert any(s.lower() in holder.text.lower() for s in run.plan.seed.secrets if s.startswith("SENSIBLE"))


@pytest.mark.parametrize("key", KEYS)
def test_no_identity_contact_tracking_code_or_sensitive_text(run, key):
    """Rule 4: neither the seeded values nor fields named for them (whatever their value)."""
    secrets = [s.lower() for s in run.plan.seed.secrets]
    problems = [
        f"[{snapshot}] {item.label}: contains {secret!r}"
        for snapshot in SNAPSHOTS
        for item, output in _outputs(run, key, snapshot)
        for secret in secrets
        if secret in output.text.lower()
    ]
    problems += [
        f"[{snapshot}] {item.label}: has a field {name!r}"
        for snapshot in SNAPSHOTS
        for item, output in _outputs(run, key, snapshot)
        for name in sorted(_field_names(output.canonical) & PRIVATE_FIELDS)
        if (key, name) not in PRIVATE_FIELD_EXEMPTIONS
    ]
    assert not problems, _report(problems)


PRIVATE_FIELDS = {
    "reporter",
    "reporter_id",
    "contact",
    "contact_saved",
    "tracking_code",
    "email",
    "phone",
    "first_name",
    "last_name",
    "username",
    "device_hash",
    "location",  # the exact point's field name (public outputs use geometry / public_location)
}


# (registry key, field): why that field carries no reporter data there.
PRIVATE_FIELD_EXEMPTIONS = {
    ("open311:discovery", "contact"): "GeoReport v2 discovery: the platform's own contact, by the spec",
    ("service-list", "email"): "the office's institutional e-mail (official directory), not a person's",
    ("service-nearest", "email"): "the office's institutional e-mail (official directory), not a person's",
    ("service-detail", "email"): "the office's institutional e-mail (official directory), not a person's",
    ("quadrant", "phone"): "the quadrant patrol's published mobile number, not a person's",
}


def _field_names(data) -> set[str]:
    """Every key of JSON objects (and CSV/GeoPackage columns) in a parsed output; not in HTML text."""
    if isinstance(data, dict):
        return set(data).union(*(_field_names(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_field_names(v) for v in data))
    return set()


@pytest.mark.parametrize("key", KEYS)
def test_no_sensitive_place(run, key):
    """No output writes a sensitive report's exact point, or its snapped grid node (rules 1–2)."""
    sensitive = run.sensitive_places
    nodes = [snapped(p) for p in sensitive]
    problems = []
    for snapshot in SNAPSHOTS:
        for item, output in _outputs(run, key, snapshot):
            for place in set(output.places):
                if any(metres_between(place, p) < SENSITIVE_EXACT_METRES for p in sensitive):
                    problems.append(
                        f"[{snapshot}] {item.label}: {place} lies within {SENSITIVE_EXACT_METRES} m of a sensitive report"
                    )
                elif any(metres_between(place, n) < SNAPPED_METRES for n in nodes):
                    problems.append(
                        f"[{snapshot}] {item.label}: {place} is the snapped point of a sensitive report"
                    )
    assert not problems, _report(problems)


@pytest.mark.parametrize("key", KEYS)
def test_no_aggregate_cell_below_k(run, key):
    """Cells and clusters hold at least k reports; cells below k are absent, not listed (rule 3)."""
    problems = [
        f"[{snapshot}] {item.label}: a cell with count {count!r} (k={K})"
        for snapshot in SNAPSHOTS
        for item, output in _outputs(run, key, snapshot)
        if item.cells
        for count in output.cell_counts
        if count is None or count < K
    ]
    assert not problems, _report(problems)


# --- differential checks ------------------------------------------------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_moving_public_reports_inside_their_public_cell_changes_nothing(run, key):
    """Rule 1: an output that changes when a report moves inside its public cell locates it closer."""
    base, moved = run.snapshots["base"], run.snapshots["public_moved"]
    problems = [
        f"{item.label}: {_difference(base[item.label], moved[item.label])}"
        for item in run.fetches[key]
        if base[item.label] != moved[item.label]
    ]
    assert not problems, _report(problems)


@pytest.mark.parametrize("key", KEYS)
def test_moving_sensitive_reports_inside_their_upz_changes_no_fine_output(run, key):
    """Rule 2: only UPZ-or-coarser units and cells >= 1 km may depend on where a sensitive report is;
    units are identical here (same UPZ), so only `coarse` outputs may change."""
    before, after = run.snapshots["public_moved"], run.snapshots["sensitive_moved"]
    problems = [
        f"{item.label}: {_difference(before[item.label], after[item.label])}"
        for item in run.fetches[key]
        if not item.coarse and before[item.label] != after[item.label]
    ]
    assert not problems, _report(problems)


@pytest.mark.parametrize("key", KEYS)
def test_moving_sensitive_reports_changes_coarse_cells_only_where_they_were_and_went(run, key):
    """Rule 2 for cells >= 1 km: a cell may appear or vanish only where a sensitive report was or went
    (its counts, and statistics over all cells such as intensity or Gi*, may change anywhere)."""
    before, after = run.snapshots["public_moved"], run.snapshots["sensitive_moved"]
    moved = [Point(p) for p in run.sensitive_places]
    problems = []
    for item in run.fetches[key]:
        if not item.coarse:
            continue
        old, new = before[item.label], after[item.label]
        if old.status != new.status:
            problems.append(f"{item.label}: status {old.status} → {new.status}")
            continue
        old_cells, new_cells = _cell_areas(old), _cell_areas(new)
        for wkt in old_cells.keys() ^ new_cells.keys():
            area = old_cells.get(wkt) or new_cells[wkt]
            if not any(area.buffer(1e-6).covers(point) for point in moved):
                problems.append(f"{item.label}: cell {wkt[:80]}… changed far from any sensitive report")
    assert not problems, _report(problems)


def _cell_areas(output: Output) -> dict:
    """Polygon cells of a GeoJSON or GeoPackage output by rounded WKT (outputs without geometry: none)."""
    data = output.canonical
    if isinstance(data, dict) and isinstance(data.get("features"), list):
        areas = [geojson_shape(f["geometry"]) for f in data["features"] if f.get("geometry")]
    elif isinstance(data, list) and data and isinstance(data[0], dict) and "wkt" in data[0]:
        areas = [from_wkt(row["wkt"]) for row in data if row.get("wkt")]
    else:
        areas = []
    return {to_wkt(a, rounding_precision=6): a for a in areas if a.geom_type.endswith("Polygon")}


@pytest.mark.parametrize("key", KEYS)
def test_signed_in_callers_without_full_detail_see_what_anonymous_callers_see(run, key):
    """A citizen (not the reporter) and a moderator get the anonymous form of every output, so the
    checks above, made anonymously, hold for them too."""
    base = run.snapshots["base"]
    problems = [
        f"{role} {item.label}: {_difference(base[item.label], outputs[item.label])}"
        for role, outputs in run.role_snapshots.items()
        for item in _role_sample(run.fetches)[key]
        if outputs[item.label] != base[item.label]
    ]
    assert not problems, _report(problems)


# --- completeness ------------------------------------------------------------------------------------
def _url_patterns(resolver=None, namespace: str = "", prefix: str = ""):
    """(key, route) of every URL pattern. The key is the namespaced name ("open311:requests"), or for
    an unnamed pattern the namespace and route ("/" for the root, "admin:/admin/(?P<url>.*)")."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_patterns(pattern, inner, route)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or '/' + route}", route


def test_every_url_pattern_is_covered_or_exempt():
    """A new URL must be added to PUBLIC_OUTPUTS or, with a reason, to EXEMPT (see module docstring)."""
    missing = sorted(
        f"{key} ({route})"
        for key, route in _url_patterns()
        if key not in PUBLIC_OUTPUTS and key not in EXEMPT and key.split(":")[0] not in EXEMPT_NAMESPACES
    )
    assert not missing, "URL patterns neither covered by PUBLIC_OUTPUTS nor in EXEMPT:\n  " + "\n  ".join(
        missing
    )
    known = {key for key, _route in _url_patterns()}
    stale = sorted(k for k in [*PUBLIC_OUTPUTS, *EXEMPT] if k not in known)
    assert not stale, f"entries for URL patterns that no longer exist: {stale}"


@pytest.mark.parametrize("key", sorted([*EXEMPT, *EXEMPT_NAMESPACES]))
def test_exempt_endpoints_give_anonymous_callers_nothing(run, key):
    exempt = {**EXEMPT, **EXEMPT_NAMESPACES}[key]
    item, output = exempt.probe(run.plan), run.exempt[key]
    assert output.status in item.statuses, f"{item.label}: status {output.status} ({exempt.reason})"
    leaked = [s for s in run.plan.seed.secrets if s.lower() in output.text.lower()]
    leaked += [p for p in output.places if any(metres_between(p, q) < 200 for q in run.plan.places)]
    assert not leaked, f"{item.label} gives anonymous callers {leaked[:3]}"
