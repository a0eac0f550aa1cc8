"""Phones and schedules parsed from the free text of the official files; open-now in Bogotá time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from justice.parsing import is_open, parse_phones, parse_schedule

BOGOTA = ZoneInfo("America/Bogota")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3204577446", [("+573204577446", "")]),
        ("5521110", [("+576015521110", "")]),
        ("3808330 OPCION 4", [("+576013808330", "opcion 4")]),
        ("4481400 Ext. 150", [("+576014481400", "ext 150")]),
        ("2916670 Ext 2212/13", [("+576012916670", "ext 2212/13")]),
        ("018000112137", [("018000112137", "")]),
        ("", []),
        ("sin teléfono", []),
    ],
)
def test_phones(text, expected):
    assert [(p["number"], p["extension"]) for p in parse_phones(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "24 horas - lunes a domingo",
            [{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "24:00"}],
        ),
        ("24 horas", [{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "24:00"}]),
        (
            "LUNES A VIERNES 7:00 AM - 4:00 PM",
            [{"days": [0, 1, 2, 3, 4], "opens": "07:00", "closes": "16:00"}],
        ),
        ("JUEVES A DOMINGO 7:00 AM - 4:00 PM", [{"days": [3, 4, 5, 6], "opens": "07:00", "closes": "16:00"}]),
        ("LUNES A DOMINGO 24 HORAS", [{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "24:00"}]),
        ("Con cita previa", []),
        ("", []),
    ],
)
def test_schedules(text, expected):
    assert parse_schedule(text) == expected


def test_open_now_in_bogota_time():
    office = parse_schedule("LUNES A VIERNES 7:00 AM - 4:00 PM")
    monday_morning = datetime(2026, 11, 30, 8, 0, tzinfo=BOGOTA)
    assert is_open(office, monday_morning) is True
    assert is_open(office, datetime(2026, 11, 30, 16, 0, tzinfo=BOGOTA)) is False
    assert is_open(office, datetime(2026, 12, 5, 10, 0, tzinfo=BOGOTA)) is False  # Saturday
    # 20:30 UTC on Monday is 15:30 in Bogotá: still open.
    utc = datetime(2026, 11, 30, 20, 30, tzinfo=ZoneInfo("UTC"))
    assert is_open(office, utc.astimezone(BOGOTA)) is True
    assert is_open([], monday_morning) is None
    assert is_open(parse_schedule("24 horas"), datetime(2026, 12, 6, 3, 0, tzinfo=BOGOTA)) is True


def test_weekday_offices_close_on_public_holidays_and_24_hour_ones_do_not():
    office = parse_schedule("LUNES A VIERNES 7:00 AM - 4:00 PM")
    # Monday 2026-01-12: Reyes moved to Monday (Ley 51 de 1983).
    reyes = datetime(2026, 1, 12, 9, 0, tzinfo=BOGOTA)
    assert is_open(office, reyes) is False
    assert is_open(office, datetime(2026, 1, 13, 9, 0, tzinfo=BOGOTA)) is True
    assert is_open(parse_schedule("LUNES A DOMINGO 24 HORAS"), reyes) is True
    assert (
        is_open(parse_schedule("24 horas - lunes a domingo"), datetime(2026, 12, 25, 3, 0, tzinfo=BOGOTA))
        is True
    )
