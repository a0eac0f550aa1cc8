"""Structured phones and schedules from the free text of the official files, and name matching.

Nothing here guesses: text that does not fit a known pattern gives an empty structure and the
verbatim text is kept by the caller. Times are America/Bogota wall-clock times (Colombia has no DST).
"""

import re
import unicodedata
from datetime import date, datetime, time
from functools import cache

import holidays

DAYS = ["lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"]
ALL_WEEK = list(range(7))

# Bogotá's fixed lines have 7 digits in older files; since 2021 they are dialled with the 601 prefix
# (Resolución CRC 5826 de 2019). Mobiles have 10 digits starting with 3.
_PHONE = re.compile(r"(?<!\d)(\d{7}|3\d{9}|60\d{8}|01\s?8000\s?\d{6}|018000\d{6})(?!\d)")
_EXTENSION = re.compile(r"\b(ext\.?|extensi[oó]n|opci[oó]n)\s*[:.]?\s*([\d\s/\-]+\d)", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: 'CAI Bachué ' -> 'cai bachue'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def name_key(text: str, *prefixes: str) -> str:
    """A key for matching names across files: folded, punctuation removed, known prefixes dropped."""
    key = re.sub(r"[^a-z0-9 ]", " ", fold(text))
    key = " ".join(key.split())
    for prefix in prefixes:
        if key.startswith(prefix + " "):
            key = key[len(prefix) + 1 :]
    return key


def _display(number: str) -> str:
    if len(number) == 10 and number.startswith("3"):
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    if len(number) == 10 and number.startswith("60"):
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number


def parse_phones(text: str) -> list[dict]:
    """Phone numbers found in `text` as [{"number": E.164 or national toll-free, "display", "extension"}].

    7-digit Bogotá landlines become +57 601 numbers; mobiles +57 3xx; 01 8000 lines stay national.
    An extension or menu option ('EXT 150', 'OPCION 4') is attached to the number before it.
    """
    if not text:
        return []
    phones = []
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\s", "", match.group(1))
        if digits.startswith("018000"):
            number, display = digits, f"{digits[:2]} {digits[2:6]} {digits[6:]}"
        else:
            national = "601" + digits if len(digits) == 7 else digits
            number, display = "+57" + national, _display(national)
        rest = text[match.end() :]
        next_phone = _PHONE.search(rest)
        extension = _EXTENSION.search(rest[: next_phone.start()] if next_phone else rest)
        phones.append(
            {
                "number": number,
                "display": display,
                "extension": f"{extension.group(1).lower().rstrip('.')} {extension.group(2).strip()}"
                if extension
                else "",
            }
        )
    return phones


_CLOCK = r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?"
_RANGE = re.compile(_CLOCK + r"\s*(?:-|a|–)\s*" + _CLOCK)
_DAY_SPAN = re.compile(r"\b(" + "|".join(DAYS) + r")\s+a\s+(" + "|".join(DAYS) + r")\b")


def _clock(hour: str, minute: str | None, half: str) -> str:
    h = int(hour) % 12 + (12 if half == "p" else 0)
    return f"{h:02d}:{int(minute or 0):02d}"


def parse_schedule(text: str) -> list[dict]:
    """Weekly opening intervals from texts such as 'LUNES A VIERNES 7:00 AM - 4:00 PM' or '24 horas'.

    Returns [{"days": [0..6], "opens": "HH:MM", "closes": "HH:MM"}] (Monday = 0; "24:00" closes at
    midnight) or [] when the text is empty or not understood.
    """
    folded = fold(text)
    if not folded:
        return []
    span = _DAY_SPAN.search(folded)
    if span:
        first, last = DAYS.index(span.group(1)), DAYS.index(span.group(2))
        days = list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(0, last + 1)]
    else:
        days = ALL_WEEK
    if re.search(r"\b24\s*horas\b", folded):
        return [{"days": days, "opens": "00:00", "closes": "24:00"}]
    match = _RANGE.search(folded)
    if not match:
        return []
    opens = _clock(match.group(1), match.group(2), match.group(3))
    closes = _clock(match.group(4), match.group(5), match.group(6))
    if closes <= opens:
        return []  # overnight hours are not in any source; refuse rather than guess
    return [{"days": days, "opens": opens, "closes": closes}]


@cache
def _holidays(year: int):
    return holidays.country_holidays("CO", years=year)


def is_public_holiday(day: date) -> bool:
    """True on a Colombian public holiday (festivo, including those moved to Monday by Ley 51 de 1983)."""
    return day in _holidays(day.year)


def is_open(schedule: list[dict], when: datetime) -> bool | None:
    """Whether a weekly schedule is open at `when` (an aware datetime, read in Bogotá time).

    None when there is no structured schedule. On a public holiday only schedules that cover the seven
    days of the week count as open (a Monday-to-Friday office closes on festivos); the sources do not
    say otherwise for any office.
    """
    if not schedule:
        return None
    weekday, now = when.weekday(), when.time()
    every_day = set().union(*(set(interval["days"]) for interval in schedule)) == set(ALL_WEEK)
    if not every_day and is_public_holiday(when.date()):
        return False
    for interval in schedule:
        if weekday not in interval["days"]:
            continue
        opens = time.fromisoformat(interval["opens"])
        if interval["closes"] == "24:00":
            if now >= opens:
                return True
        elif opens <= now < time.fromisoformat(interval["closes"]):
            return True
    return False
