"""Chainable filters for reports: visibility by role and spatial filters, each written once here.

What "public" means is reports.visibility's rule (`public()` applies it); the reporter still follows
a duplicate or rejected report through its tracking code.
"""

import zoneinfo

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db.models import BooleanField, DateTimeField, FloatField, Func, Q, Value

from geo.spatial import STORAGE_SRID

from . import access
from .visibility import public_q


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
