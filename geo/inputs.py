"""Bounds on client values shared by every app (dates here; coordinates live in geo.spatial).

Python's date arithmetic and PostgreSQL's timestamp conversions overflow near year 1 and year 9999
(`OverflowError`, a 500), and no report of this platform can be dated outside 1900–2100, so every
date or datetime a client sends is checked against these bounds before any query uses it.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
DATE_BOUNDS_MESSAGE = (
    f"La fecha debe estar entre {MIN_DATE.isoformat()} y {MAX_DATE.isoformat()} (formato ISO 8601, "
    "p. ej. 2026-11-30)."
)


def check_date_bounds(value: date | datetime | None) -> date | datetime | None:
    """Return `value` (a date or datetime, any zone) if its calendar date is within MIN_DATE..MAX_DATE.

    Raises django.core.exceptions.ValidationError (Spanish message, code "date_out_of_range")
    otherwise. None passes through (absent optional values).
    """
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(DATE_BOUNDS_MESSAGE, code="date_out_of_range")
    return value
