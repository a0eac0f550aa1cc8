"""Chainable filters for reports: visibility by role and spatial filters, each written once here.

What "public" means is reports.visibility's rule (`public()` applies it); the reporter still follows
a duplicate or rejected report through its tracking code.
"""

import zoneinfo
from dataclasses import dataclass

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db import connections, router
from django.db.models import BooleanField, DateTimeField, FloatField, Func, Q, Value

from geo.spatial import STORAGE_SRID

from . import access
from .visibility import public_grid_metres, public_point_sql, public_q

_POINT_SQL = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"

# Raw SQL: the ORM cannot insert from a SELECT, nor chain two INSERTs in one statement. One round trip
# locates the point (same rule as localities.selectors.locate_point: parts of the active boundary
# version that cover it, lowest code on a border), snaps the public point (reports.visibility's SQL
# form of public_point), inserts the report and its first history step, and returns what the reply
# needs. The category's `active` and `sensitive` are read here, in the same statement, so a category
# object held in a cache can never file into a deactivated category nor publish the point of one
# made sensitive since. No locality covering the point, or no active category: nothing is inserted
# and no row comes back.
_INSERT_LOCATED_SQL = f"""
WITH active AS (SELECT id FROM localities_boundaryversion WHERE active),
cat AS (SELECT id, sensitive FROM reports_category WHERE id = %(category)s AND active),
loc AS (
    SELECT l.id, l.code, l.name FROM localities_localitypart p
    JOIN localities_locality l ON l.id = p.locality_id
    WHERE p.version_id = (SELECT id FROM active) AND ST_Covers(p.geom, {_POINT_SQL})
    ORDER BY l.code LIMIT 1
),
upz AS (
    SELECT u.id, u.code, u.name FROM localities_upzpart p
    JOIN localities_upz u ON u.id = p.upz_id
    WHERE p.version_id = (SELECT id FROM active) AND ST_Covers(p.geom, {_POINT_SQL})
    ORDER BY u.code LIMIT 1
),
report AS (
    INSERT INTO reports_report (
        tracking_code, category_id, description, location, public_location, locality_id, upz_id,
        occurred_at, created_at, updated_at, channel, status, reporter_id, referred_to, hidden,
        moderation_reason, support_count, is_demo, language)
    SELECT %(tracking_code)s, cat.id, %(description)s, {_POINT_SQL},
           {public_point_sql(_POINT_SQL, "cat.sensitive")},
           loc.id, (SELECT id FROM upz), %(occurred_at)s, %(now)s, %(now)s, %(channel)s, %(status)s,
           %(reporter)s, '', false, '', 0, false, %(language)s
    FROM loc CROSS JOIN cat
    RETURNING id, public_location
),
step AS (
    INSERT INTO reports_statuschange (report_id, from_status, to_status, actor_id, note, created_at)
    SELECT id, '', %(status)s, %(reporter)s, '', %(now)s FROM report
    RETURNING id
)
SELECT report.id, ST_X(report.public_location), ST_Y(report.public_location), step.id, cat.sensitive,
       loc.id, loc.code, loc.name, upz.id, upz.code, upz.name
FROM report CROSS JOIN step CROSS JOIN cat CROSS JOIN loc LEFT JOIN upz ON true
"""  # noqa: S608 (fragments are constants of this module and reports.visibility; values are parameters)


@dataclass(frozen=True)
class LocatedInsert:
    """What `ReportQuerySet.insert_located` wrote: ids, the public point (EPSG:4326, None when
    sensitive), the category's `sensitive` as the statement read it, and the locality/UPZ it
    assigned as (id, code, name) (upz None when no unit covers it)."""

    report_id: int
    public_location: Point | None
    step_id: int
    sensitive: bool
    locality: tuple[int, str, str]
    upz: tuple[int, str, str] | None


class _StartOfLocalDay(Func):
    """The instant (timestamptz) local calendar day `date` begins in time zone `tz` (an IANA name).

    Written as a Func because the ORM has no "local midnight of a date" expression.
    """

    template = "timezone(%(tz)s, (%(date)s)::timestamp)"
    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        tz_sql, tz_params = compiler.compile(self.source_expressions[1])
        return self.template % {"date": date_sql, "tz": tz_sql}, (*tz_params, *date_params)


class _DWithinGeography(Func):
    """ST_DWithin on geography (metres); served by the GiST index on (location::geography)."""

    function = "ST_DWithin"
    template = "%(function)s((%(field)s)::geography, (%(point)s)::geography, %(metres)s)"
    output_field = BooleanField()
    conditional = True

    def __init__(self, field, point, metres):
        super().__init__(field, point, metres)

    def as_sql(self, compiler, connection, **extra):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        point_sql, point_params = compiler.compile(self.source_expressions[1])
        metres_sql, metres_params = compiler.compile(self.source_expressions[2])
        sql = self.template % {
            "function": self.function,
            "field": field_sql,
            "point": point_sql,
            "metres": metres_sql,
        }
        return sql, (*field_params, *point_params, *metres_params)


class _DistanceGeography(Func):
    """ST_Distance on geography, in metres (spheroid)."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        point_sql, point_params = compiler.compile(self.source_expressions[1])
        return (
            f"ST_Distance(({field_sql})::geography, ({point_sql})::geography)",
            (*field_params, *point_params),
        )


def _geom_value(point: Point):
    from django.contrib.gis.db.models.fields import GeometryField

    return Value(point, output_field=GeometryField(srid=STORAGE_SRID))


class ReportQuerySet(models.QuerySet):
    # --- creation ---------------------------------------------------------------------------------
    def insert_located(
        self,
        *,
        point: Point,
        tracking_code: str,
        category_id: int,
        description: str,
        occurred_at,
        now,
        channel: str,
        status: str,
        reporter_id: int | None,
        language: str,
    ) -> LocatedInsert | None:
        """Insert a report at `point` (EPSG:4326) with its locality, UPZ, public point (snapped in
        EPSG:9377 to public_grid_metres()) and first history step (`status`, by the reporter), in one
        statement; None (nothing written) when no locality of the active version covers the point or
        the category is not active. The public point is NULL when the category is sensitive."""
        params = {
            "lon": point.x,
            "lat": point.y,
            "tracking_code": tracking_code,
            "category": category_id,
            "public_grid": public_grid_metres(),
            "description": description,
            "occurred_at": occurred_at,
            "now": now,
            "channel": channel,
            "status": status,
            "reporter": reporter_id,
            "language": language,
        }
        with connections[self._db or router.db_for_write(self.model)].cursor() as cursor:
            cursor.execute(_INSERT_LOCATED_SQL, params)
            row = cursor.fetchone()
        if row is None:
            return None
        report_id, px, py, step_id, sensitive, loc_id, loc_code, loc_name, upz_id, upz_code, upz_name = row
        return LocatedInsert(
            report_id=report_id,
            public_location=None if px is None else Point(px, py, srid=STORAGE_SRID),
            step_id=step_id,
            sensitive=sensitive,
            locality=(loc_id, loc_code, loc_name),
            upz=None if upz_id is None else (upz_id, upz_code, upz_name),
        )

    # --- visibility -------------------------------------------------------------------------------
    def public(self):
        """Reports anyone may see (reports.visibility.public_q)."""
        return self.filter(public_q())

    def visible_to(self, user):
        """Reports `user` may read (public outputs rules apply separately to what fields are shown).

        admin, analyst, moderator: all; locality staff: their localities' reports plus public ones;
        citizen: public plus their own; anonymous: public.
        """
        role = access.role_of(user)
        if role in (access.ADMIN, access.ANALYST, access.MODERATOR):
            return self.all()
        if role == access.LOCALITY_STAFF:
            return self.filter(
                public_q() | Q(locality__code__in=access.staff_locality_codes(user)) | Q(reporter=user)
            )
        if role == access.CITIZEN:
            return self.filter(public_q() | Q(reporter=user))
        return self.filter(public_q())

    def staff_scope(self, user):
        """Reports on the staff workbench of `user`: locality staff see their localities only;
        analysts, moderators and admins see all; citizens and anonymous see none."""
        role = access.role_of(user)
        if role in (access.ADMIN, access.ANALYST, access.MODERATOR):
            return self.all()
        if role == access.LOCALITY_STAFF:
            return self.filter(locality__code__in=access.staff_locality_codes(user))
        return self.none()

    # --- categories -------------------------------------------------------------------------------
    def sensitive(self):
        """Reports of sensitive categories (never shown as points in public)."""
        return self.filter(category__sensitive=True)

    def with_derived_first_response(self):
        """Annotate `first_response_derived`: first response time recomputed from the history alone.

        The earlier of the first public Response and the first real status change after creation
        (initial `received` step and moderation notes excluded). Equals `first_response_at`, which is
        kept on the row so statistics stay single-table; this is the audit of it.
        """
        from django.db.models import F as _F
        from django.db.models import OuterRef, Subquery
        from django.db.models.functions import Least

        from .models import Response, StatusChange

        first_public = (
            Response.objects.filter(report=OuterRef("pk"), public=True)
            .order_by("created_at")
            .values("created_at")[:1]
        )
        first_step = (
            StatusChange.objects.filter(report=OuterRef("pk"))
            .exclude(from_status="")
            .exclude(from_status=_F("to_status"))
            .order_by("created_at")
            .values("created_at")[:1]
        )
        return self.annotate(first_response_derived=Least(Subquery(first_public), Subquery(first_step)))

    # --- deadlines -------------------------------------------------------------------------------
    def with_deadline(self):
        """The one definition of a report's response deadline, for the follow page, the workbench and
        the staff digest alike. Annotates:

        - `due_date`: the Bogotá calendar date of receipt plus the category's response days (a date);
        - `deadline`: the instant that due date ends, i.e. 00:00 America/Bogota of the next day (a
          timestamp; ordering and comparisons use it);
        - `overdue`: still open, not answered yet, and `deadline` has passed.

        A report received at 23:59 or at 00:01 Bogotá time has the whole due date to be answered.
        """
        from django.conf import settings
        from django.db.models import Case, DateField, ExpressionWrapper, When
        from django.db.models import F as _F
        from django.db.models.functions import Now, TruncDate

        from .models import OPEN_STATUSES

        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        due_date = ExpressionWrapper(
            TruncDate("created_at", tzinfo=tz) + _F("category__response_days"), output_field=DateField()
        )
        return (
            self.annotate(due_date=due_date)
            .annotate(
                deadline=_StartOfLocalDay(
                    ExpressionWrapper(_F("due_date") + Value(1), output_field=DateField()),
                    Value(settings.TIME_ZONE),
                )
            )
            .annotate(
                overdue=Case(
                    When(
                        Q(status__in=OPEN_STATUSES, first_response_at__isnull=True, deadline__lte=Now()),
                        then=Value(True),
                    ),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    # --- space ------------------------------------------------------------------------------------
    def within_metres(self, point: Point, metres: float, *, field: str = "location"):
        """Reports whose `field` (EPSG:4326) lies within `metres` of `point`, measured on the spheroid.

        Uses the GiST index on (field::geography) added in migration 0002.
        """
        return self.filter(_DWithinGeography(models.F(field), _geom_value(point), Value(float(metres))))

    def with_distance(self, point: Point, *, field: str = "location"):
        """Annotate `distance_m`: metres (spheroid) from `point` (EPSG:4326) to `field`."""
        return self.annotate(distance_m=_DistanceGeography(models.F(field), _geom_value(point)))

    def in_bbox(self, bbox: tuple[float, float, float, float], *, field: str = "location"):
        """Reports whose `field` falls inside (min lon, min lat, max lon, max lat) in EPSG:4326.

        Public outputs pass field="public_location" so a tiny box cannot probe exact positions.
        """
        polygon = Polygon.from_bbox(bbox)
        polygon.srid = STORAGE_SRID
        return self.filter(**{f"{field}__intersects": polygon})


class IdempotencyRecordQuerySet(models.QuerySet):
    def claim(self, *, scope: str, key: str, request_hash: str, now, status: int, body: str) -> int | None:
        """Insert the finished record for (scope, key), with the answer to replay (`status`, `body`
        as JSON text), and return its id; None when one already exists.

        Raw SQL: the ORM's INSERT … ON CONFLICT (bulk_create(ignore_conflicts=True)) does not say
        whether the row was written. Like a plain INSERT on the unique (scope, key) index, this waits
        for a concurrent transaction holding the same key: None once that one commits, the new id if
        it rolled back. No savepoint and no IntegrityError on the retry path.
        """
        with connections[self._db or router.db_for_write(self.model)].cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {self.model._meta.db_table}
                    (key, scope, request_hash, response_status, response_body, created_at)
                VALUES (%s, %s, %s, %s, %s::jsonb, %s)
                ON CONFLICT (scope, key) DO NOTHING
                RETURNING id
                """,  # noqa: S608 (the table name is the model's own)
                [key, scope, request_hash, status, body, now],
            )
            row = cursor.fetchone()
        return row[0] if row else None
