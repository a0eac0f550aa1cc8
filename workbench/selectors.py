"""Reads of the staff workbench: the queue of a staff member's localities, its map, one report with what
the page shows beside it, photos and the moderation queue.

Scope and visibility come from reports (Report.objects.staff_scope, reports.access,
reports.visibility); nothing here restates who may see what.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from localities.models import Upz
from reports import access, visibility
from reports.models import OPEN_STATUSES, AbuseReport, Report, ReportPhoto
from reports.selectors import report_staff_list

ROLE_WORKBENCH = (access.LOCALITY_STAFF, access.ANALYST, access.ADMIN)
NEARBY_METRES = 300
QUEUE_MAP_LIMIT = 2000  # points drawn on the queue map; the list pages through everything


def can_use_workbench(user) -> bool:
    """The queue and report pages: locality staff (their localities), analysts (read-only) and admins."""
    return access.role_of(user) in ROLE_WORKBENCH


def can_act(user) -> bool:
    """True for roles that may change reports from the workbench (analysts only read)."""
    return access.role_of(user) in (access.LOCALITY_STAFF, access.ADMIN)


def upz_choices(user):
    """UPZ of the localities on `user`'s workbench (all for analysts and admins), by name."""
    upz = Upz.objects.current()
    codes = access.staff_locality_codes(user)
    if access.role_of(user) == access.LOCALITY_STAFF:
        upz = upz.filter(locality__code__in=codes)
    return upz.select_related("locality").order_by("name")


def queue_reports(*, user, filters: dict):
    """`user`'s workbench reports narrowed by the cleaned QueueFilterForm data, with `deadline`,
    `overdue` and `photo_count`, in the requested order (default: nearest deadline)."""
    qs = report_staff_list(user=user).with_deadline().annotate(photo_count=Count("photos"))
    status = filters.get("estado") or ""
    if status == "":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "todos":
        qs = qs.filter(status=status)
    if filters.get("categoria"):
        qs = qs.filter(category=filters["categoria"])
    if filters.get("upz"):
        qs = qs.filter(upz=filters["upz"])
    if filters.get("periodo"):
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=int(filters["periodo"])))
    if filters.get("vencidos"):
        qs = qs.filter(overdue=True)
    if filters.get("con_fotos"):
        qs = qs.filter(Exists(ReportPhoto.objects.filter(report=OuterRef("pk"))))
    if filters.get("apoyos"):
        qs = qs.filter(support_count__gte=filters["apoyos"])
    order = {
        "antiguos": ("created_at", "id"),
        "apoyos": ("-support_count", "created_at", "id"),
    }.get(filters.get("orden") or "", ("deadline", "created_at", "id"))
    return qs.order_by(*order)


def queue_geojson(*, user, reports) -> dict:
    """GeoJSON FeatureCollection (EPSG:4326) of the queue's reports at the point `user` may see
    (reports.visibility.report_rows: exact for their own localities), built by PostGIS.

    Raw SQL because the feature collection is assembled with json_agg/ST_AsGeoJSON in the database;
    the report ids come from the queue's own queryset (already scoped and filtered).
    """
    ids = list(reports.values_list("pk", flat=True)[:QUEUE_MAP_LIMIT])
    rows = visibility.report_rows(visibility.ViewerScope.for_user(user), points=False)
    point = rows.visible_point()
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
            'type', 'Feature',
            'geometry', ST_AsGeoJSON({point}, 7)::json,
            'properties', json_build_object('id', r.id, 'status', r.status, 'category', c.code)
        ) ORDER BY r.id), '[]'::json))
        FROM reports_report r
        JOIN reports_category c ON c.id = r.category_id
        JOIN localities_locality l ON l.id = r.locality_id
        WHERE r.id = ANY(%(ids)s) AND {rows.where} AND {point} IS NOT NULL
    """  # noqa: S608 (fragments from reports.visibility; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, rows.query_params(ids=ids))
        (collection,) = cursor.fetchone()
    return json.loads(collection) if isinstance(collection, str) else collection


@dataclass(frozen=True)
class ReportPage:
    """What the staff report page shows; `can_*` say which forms it offers."""

    report: Report
    point: dict | None
    upz_boundary: str | None
    photos: list
    contact: object | None
    history: list
    responses: list
    nearby: list
    original_text: str
    can_handle: bool
    can_moderate: bool


def report_page(*, user, pk: int) -> ReportPage | None:
    """Report `pk` as `user`'s workbench shows it, or None when it is outside their scope (→ 404)."""
    if not can_use_workbench(user):
        return None
    report = report_staff_list(user=user).with_deadline().filter(pk=pk).first()
    if report is None:
        return None
    point = visibility.visible_point_of(user, report)
    boundary = None
    if report.upz_id:
        boundary = Upz.objects.filter(pk=report.upz_id).values_list("geom", flat=True).first()
    nearby = (
        report_staff_list(user=user)
        .filter(category=report.category)
        .exclude(pk=report.pk)
        .exclude(status="duplicate")
        .within_metres(report.location, NEARBY_METRES)
        .with_distance(report.location)
        .order_by("distance_m", "-created_at")[:10]
    )
    contact = getattr(report, "contact", None) if access.can_see_contact(user, report) else None
    return ReportPage(
        report=report,
        point={"lon": point.x, "lat": point.y} if point is not None else None,
        upz_boundary=boundary.geojson if boundary is not None else None,
        photos=list(report.photos.all()),
        contact=contact,
        history=list(report.history.select_related("actor").order_by("created_at", "id")),
        responses=list(report.responses.select_related("author").order_by("created_at", "id")),
        nearby=list(nearby),
        original_text=report.description_original if access.can_see_original_text(user) else "",
        can_handle=access.can_handle(user, report),
        can_moderate=access.can_moderate(user, report),
    )


def report_photo(*, user, pk: int, photo_pk: int) -> ReportPhoto | None:
    """A photo of report `pk`, when `user` may open that report on the workbench (same scope); else None."""
    if not can_use_workbench(user) or not report_staff_list(user=user).filter(pk=pk).exists():
        return None
    return ReportPhoto.objects.filter(pk=photo_pk, report_id=pk).first()


def moderation_queue():
    """Reports with open abuse notices (most notices first), then recent public reports, for moderators."""
    open_notices = Q(abuse_reports__resolved_at__isnull=True)
    return (
        Report.objects.select_related("category", "locality")
        .annotate(open_notices=Count("abuse_reports", filter=open_notices))
        .filter(open_notices__gt=0)
        .prefetch_related("abuse_reports")
        .order_by("-open_notices", "created_at", "id")
    )


def moderation_recent(limit: int = 30):
    """The newest public reports, for moderators to read through even without a notice."""
    return (
        Report.objects.public()
        .select_related("category", "locality")
        .annotate(open_notices=Count("abuse_reports", filter=Q(abuse_reports__resolved_at__isnull=True)))
        .filter(open_notices=0)
        .order_by("-created_at", "-id")[:limit]
    )


def open_abuse_count() -> int:
    """How many abuse notices wait for a moderator."""
    return AbuseReport.objects.filter(resolved_at__isnull=True).count()
