"""Reads of the planning loop: public proposals, sessions, commitments, accountability and the pulse.

Public reads never expose the author's account (only `author_name`). Report figures come from the
maps selectors with the public scope (reports.visibility), so they obey the platform's one rule.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from localities.models import Locality
from maps.filters import MapFilters
from maps.selectors import hotspots as hotspot_selectors
from maps.selectors import stats as stat_selectors
from reports.models import Report
from reports.visibility import NOT_PUBLIC_STATUSES, PUBLIC_REPORT_SQL, ViewerScope, public_min_count, public_q

from . import services
from .models import Commitment, CommitmentStatus, CouncilSession, Proposal, ProposalStatus, PulseAnswer

AGENDA_CELL_METRES = 500
AGENDA_HOTSPOTS = 10


def locality_exists(code: str) -> bool:
    """True when `code` is a locality of the active boundary version."""
    return Locality.objects.current().filter(code=code).exists()


# --- proposals ---------------------------------------------------------------------------------------
def proposal_public_list(*, locality_code: str | None = None, status: str | None = None):
    """Proposals not hidden by moderation, most supported first (per locality when given)."""
    rows = Proposal.objects.published().select_related("locality").prefetch_related("upzs")
    if locality_code:
        rows = rows.filter(locality__code=locality_code)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-support_count", "-created_at", "-id")


def proposal_public_get(*, pk: int) -> Proposal | None:
    """A proposal anyone may read (not hidden), or None."""
    return proposal_public_list().filter(pk=pk).first()


def proposal_public_history(proposal: Proposal) -> list[dict]:
    """The proposal's status steps: date, from, to and the public note (no actor)."""
    return [
        {
            "at": h.at,
            "from_status": h.from_status,
            "to_status": h.to_status,
            "to_label": ProposalStatus(h.to_status).label,
            "note": h.note,
        }
        for h in proposal.history.all()
    ]


def proposal_merge_targets(proposal: Proposal) -> list[Proposal]:
    """Public open or selected proposals of the same locality another proposal may be merged into."""
    return list(
        proposal_public_list(locality_code=proposal.locality.code)
        .filter(status__in=(ProposalStatus.OPEN, ProposalStatus.SELECTED))
        .exclude(pk=proposal.pk)[:200]
    )


def proposals_open_for_agenda(*, session: CouncilSession):
    """Open proposals of the session's locality, most supported first (for the staff agenda form)."""
    return proposal_public_list(locality_code=session.locality.code, status=ProposalStatus.OPEN)


# --- sessions ----------------------------------------------------------------------------------------
def session_public_get(*, pk: int) -> CouncilSession | None:
    """A public session, or None (restricted sessions are for staff only)."""
    return CouncilSession.objects.filter(pk=pk, public=True).select_related("locality").first()


def sessions_public(*, locality_code: str | None = None):
    """Public sessions, newest first."""
    rows = CouncilSession.objects.filter(public=True).select_related("locality")
    if locality_code:
        rows = rows.filter(locality__code=locality_code)
    return rows


def sessions_of_staff(*, user):
    """Sessions of the localities `user` manages (admins: all)."""
    rows = CouncilSession.objects.select_related("locality")
    codes = [
        c for c in Locality.objects.current().values_list("code", flat=True) if services.can_manage(user, c)
    ]
    return rows.filter(locality__code__in=codes)


def sessions_visible_to(*, user):
    """Sessions `user` may read on the staff side: analysts and admins all, locality staff theirs."""
    if services.can_read_all_councils(user):
        return CouncilSession.objects.select_related("locality")
    if not services.can_read_councils(user):
        return CouncilSession.objects.none()
    return sessions_of_staff(user=user)


def session_staff_get(*, user, pk: int) -> CouncilSession | None:
    """A session `user` may read on the staff side, or None (a 404 for staff of other localities)."""
    return sessions_visible_to(user=user).filter(pk=pk).first()


def commitments_visible_to(*, user):
    """Commitments `user` may read on the staff side (same scope as sessions_visible_to)."""
    rows = Commitment.objects.select_related("locality", "session").prefetch_related("proposals", "reports")
    if services.can_read_all_councils(user):
        return rows
    if not services.can_read_councils(user):
        return rows.none()
    codes = [
        c for c in Locality.objects.current().values_list("code", flat=True) if services.can_manage(user, c)
    ]
    return rows.filter(locality__code__in=codes)


def commitment_staff_get(*, user, pk: int) -> Commitment | None:
    """A commitment `user` may read on the staff side, or None."""
    return commitments_visible_to(user=user).filter(pk=pk).first()


def locality_figures(*, locality_code: str, date_from: date, date_to: date) -> dict:
    """Public statistics and hot spots of one locality for a period (public scope: what anyone sees).

    Used to snapshot a session's agenda: {stats: {...}, hotspots: [{lon, lat, count, z_score}], cell_metres}.
    """
    scope = ViewerScope()
    filters = MapFilters(locality=(locality_code,), date_from=date_from, date_to=date_to)
    stats = stat_selectors.unit_stats(level="locality", filters=filters, scope=scope)
    unit = next((u for u in stats["units"] if u["code"] == locality_code), {})
    hot = hotspot_selectors.hotspot_cells(
        filters=filters, scope=scope, cell=AGENDA_CELL_METRES, shape="square"
    )
    cells = sorted(
        (f for f in hot["features"] if f["properties"]["class"] == "hot"),
        key=lambda f: -f["properties"]["z_score"],
    )[:AGENDA_HOTSPOTS]
    spots = []
    for f in cells:
        ring = f["geometry"]["coordinates"][0][:-1]
        spots.append(
            {
                "lon": round(sum(p[0] for p in ring) / len(ring), 5),
                "lat": round(sum(p[1] for p in ring) / len(ring), 5),
                "count": f["properties"]["count"],
                "z_score": f["properties"]["z_score"],
            }
        )
    return {
        "stats": {
            "period": {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
            "count": unit.get("count"),
            "rate_per_10k": unit.get("rate_per_10k"),
            "change_pct": unit.get("change_pct"),
            "median_response_hours": unit.get("median_response_hours"),
            "share_resolved": unit.get("share_resolved"),
            "suppressed": unit.get("suppressed", True),
        },
        "hotspots": spots,
        "cell_metres": AGENDA_CELL_METRES,
    }


# --- commitments and accountability --------------------------------------------------------------------
def commitment_status(commitment: Commitment, today: date | None = None) -> str:
    """on_track / overdue / done / dropped: overdue is an on-track commitment past its due date."""
    today = today or timezone.localdate()
    if commitment.status == CommitmentStatus.ON_TRACK and commitment.due_date < today:
        return CommitmentStatus.OVERDUE
    return commitment.status


def commitments_public(*, locality_code: str | None = None):
    """Commitments of public sessions (restricted ones are accounted for too: what was committed is public)."""
    rows = Commitment.objects.select_related("locality", "session").prefetch_related("proposals")
    if locality_code:
        rows = rows.filter(locality__code=locality_code)
    return rows.order_by("due_date", "id")


def _status_counts(today: date) -> dict[str, dict[str, int]]:
    overdue = Q(status=CommitmentStatus.ON_TRACK, due_date__lt=today)
    rows = Commitment.objects.values("locality__code").annotate(
        done=Count("id", filter=Q(status=CommitmentStatus.DONE)),
        dropped=Count("id", filter=Q(status=CommitmentStatus.DROPPED)),
        overdue=Count("id", filter=overdue),
        on_track=Count("id", filter=Q(status=CommitmentStatus.ON_TRACK) & ~overdue),
    )
    return {r.pop("locality__code"): r for r in rows}


def _proposal_counts() -> dict[str, dict[str, int]]:
    discussed = (ProposalStatus.DISCUSSED, ProposalStatus.ACCEPTED, ProposalStatus.DECLINED)
    rows = (
        Proposal.objects.published()
        .values("locality__code")
        .annotate(
            received=Count("id"),
            discussed=Count("id", filter=Q(status__in=discussed)),
            accepted=Count("id", filter=Q(status=ProposalStatus.ACCEPTED)),
        )
    )
    return {r.pop("locality__code"): r for r in rows}


def _response_figures(date_from: date, date_to: date) -> dict[str, dict]:
    """Per locality, over public reports received in the period: median days to first response and the
    share answered (first response) before their deadline (ReportQuerySet.with_deadline, the end of the
    Bogotá due date, as the workbench and the follow page count it). Below k: nulled."""
    k = public_min_count()
    filters = MapFilters(date_from=date_from, date_to=date_to)
    start, end = filters.created_range()
    # Raw SQL: the median needs percentile_cont, which the ORM has no aggregate for; the public
    # condition is the visibility module's own SQL fragment.
    sql = f"""
        SELECT l.code, count(*),
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM r.first_response_at - r.created_at)
               ) FILTER (WHERE r.first_response_at IS NOT NULL)
        FROM reports_report r
        JOIN localities_locality l ON l.id = r.locality_id
        WHERE {PUBLIC_REPORT_SQL} AND r.created_at >= %(start)s AND r.created_at < %(end)s
        GROUP BY l.code
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, {"not_public": list(NOT_PUBLIC_STATUSES), "start": start, "end": end})
        fetched = cursor.fetchall()
    # In time: the deadline is the reports app's one rule, so it is asked of its queryset, not restated.
    in_time = dict(
        Report.objects.filter(public_q(), created_at__gte=start, created_at__lt=end)
        .with_deadline()
        .filter(first_response_at__lt=F("deadline"))
        .order_by()
        .values("locality__code")
        .annotate(n=Count("id"))
        .values_list("locality__code", "n")
    )
    out = {}
    for code, n, median_s in fetched:
        within = in_time.get(code, 0)
        hide = n < k
        out[code] = {
            "reports": None if hide else n,
            "median_first_response_days": None
            if hide or median_s is None
            else round(float(median_s) / 86400, 1),
            "share_answered_in_time": None if hide else round(within / n, 3),
        }
    return out


def accountability(*, locality_code: str | None = None, days: int = 365) -> dict:
    """Figures of the 20 localities (or one) for the public accountability page, API and CSV export.

    Commitments by status (overdue derived), proposals received/discussed/accepted, and report response
    figures over the last `days` days (public reports; below k nulled). Each locality carries its rank
    (1 = fastest median first response) so it can be compared across the city.
    """
    today = timezone.localdate()
    date_from = today - timedelta(days=days - 1)
    commitments, proposals = _status_counts(today), _proposal_counts()
    responses = _response_figures(date_from, today)
    empty_c = {"done": 0, "on_track": 0, "overdue": 0, "dropped": 0}
    empty_p = {"received": 0, "discussed": 0, "accepted": 0}
    empty_r = {"reports": None, "median_first_response_days": None, "share_answered_in_time": None}
    rows = []
    for loc in Locality.objects.current().defer("geom").order_by("code"):
        rows.append(
            {
                "code": loc.code,
                "name": loc.name,
                "commitments": commitments.get(loc.code, empty_c),
                "proposals": proposals.get(loc.code, empty_p),
                **responses.get(loc.code, empty_r),
            }
        )
    ranked = sorted(
        (r for r in rows if r["median_first_response_days"] is not None),
        key=lambda r: r["median_first_response_days"],
    )
    for position, row in enumerate(ranked, start=1):
        row["response_rank"] = position
    for row in rows:
        row.setdefault("response_rank", None)
    totals = {
        "commitments": {key: sum(r["commitments"][key] for r in rows) for key in empty_c},
        "proposals": {key: sum(r["proposals"][key] for r in rows) for key in empty_p},
    }
    selected = [r for r in rows if r["code"] == locality_code] if locality_code else rows
    return {
        "period": {"date_from": date_from.isoformat(), "date_to": today.isoformat()},
        "min_count": public_min_count(),
        "city": totals,
        "localities": selected,
        "compared_with": len(ranked),
    }


# --- perception pulse ----------------------------------------------------------------------------------
def pulse_by_upz(*, locality_code: str | None = None, days: int = 180) -> list[dict]:
    """Mean perceived safety (1–5) per UPZ over the last `days` days; UPZ with fewer than k answers absent."""
    since, _today = pulse_period(days)
    rows = PulseAnswer.objects.filter(answered_on__gte=since, upz__version__active=True)
    if locality_code:
        rows = rows.filter(locality__code=locality_code)
    k = public_min_count()
    grouped = (
        rows.values("upz__code", "upz__name", "locality__code")
        .annotate(answers=Count("id"), mean=Avg("score"))
        .filter(answers__gte=k)
        .order_by("upz__code")
    )
    return [
        {
            "upz": g["upz__code"],
            "name": g["upz__name"],
            "locality": g["locality__code"],
            "answers": g["answers"],
            "mean": round(float(g["mean"]), 2),
        }
        for g in grouped
    ]


PULSE_DAYS = 180


def pulse_period(days: int = PULSE_DAYS) -> tuple[date, date]:
    """First and last day (local dates, both included) of the pulse's window: the last `days` days."""
    today = timezone.localdate()
    return today - timedelta(days=days - 1), today


def pulse_table(*, locality_code: str | None = None) -> list[dict]:
    """Every current UPZ (of one locality when given) with its locality's name and pulse mean, or None
    below k: the accessible table beside the pulse map, in the same order as the UPZ lists."""
    from localities.models import Upz

    means = {p["upz"]: p["mean"] for p in pulse_by_upz(locality_code=locality_code)}
    upzs = Upz.objects.current().defer("geom").select_related("locality").order_by("locality__code", "code")
    if locality_code:
        upzs = upzs.filter(locality__code=locality_code)
    return [
        {"code": u.code, "name": u.name, "locality": u.locality.name, "mean": means.get(u.code)} for u in upzs
    ]


def pulse_map(*, locality_code: str | None = None, days: int = PULSE_DAYS) -> dict:
    """The pulse as a GeoJSON FeatureCollection of UPZ polygons (EPSG:4326, simplified in PostGIS).

    Every current UPZ of the city (or of one locality) is a feature with code, name, locality and
    `mean` (1–5, the pulse_by_upz() value) — null when it has fewer than k answers, so a UPZ with no
    answer and one with k−1 look the same ("sin datos suficientes"). Answer counts are not carried.
    `meta` gives the period (the last `days` days) so a map can draw incidents for the same dates.
    """
    from maps.selectors.boundaries import CITY_SIMPLIFY_METRES, LOCALITY_SIMPLIFY_METRES, boundary_collection

    means = {p["upz"]: p["mean"] for p in pulse_by_upz(locality_code=locality_code, days=days)}
    collection = boundary_collection(
        "upz",
        locality_code=locality_code,
        simplify_metres=LOCALITY_SIMPLIFY_METRES if locality_code else CITY_SIMPLIFY_METRES,
    )
    for feature in collection["features"]:
        props = feature["properties"]
        mean = means.get(props["code"])
        feature["properties"] = {
            "code": props["code"],
            "name": props["name"],
            "locality": props["locality"],
            "mean": mean,
            "suppressed": mean is None,
        }
    date_from, date_to = pulse_period(days)
    collection["meta"] = {
        "min_count": public_min_count(),
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "locality": locality_code or "",
    }
    return collection


def commitment_rows(*, locality_code: str | None = None) -> list[dict]:
    """Commitments as flat rows for the accountability page and exports (geometry as GeoJSON or None)."""
    from .serializers import geometry_of

    today = timezone.localdate()
    return [
        {
            "id": c.pk,
            "locality": c.locality.code,
            "locality_name": c.locality.name,
            "text": c.text,
            "responsible": c.get_responsible_display(),
            "due_date": c.due_date.isoformat(),
            "status": commitment_status(c, today),
            "status_label": CommitmentStatus(commitment_status(c, today)).label,
            "progress": c.progress,
            "drop_reason": c.drop_reason,
            "session": c.session_id,
            "session_date": timezone.localtime(c.session.starts_at).date().isoformat(),
            "proposals": sorted(p.pk for p in c.proposals.all()),
            "geometry": geometry_of(c),
        }
        for c in commitments_public(locality_code=locality_code)
    ]
