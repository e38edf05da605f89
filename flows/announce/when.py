"""When an announcement goes: typed the way officials write it, in the village's zone.

"sekarang", "besok 07.00", "lusa 7:30", "12/12 08:00", "12/12/2026 08.00",
"12 Desember 2026 08.00", "12 Des 08.00", or a time alone ("15.00": today).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.common.text import clean, fold

NOW_WORDS = {"sekarang", "now", "kirim sekarang", "langsung"}
_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nopember": 11, "november": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip
_RELATIVE = {"hari ini": 0, "nanti": 0, "besok": 1, "tomorrow": 1, "lusa": 2}
_TIME = re.compile(r"(?:^|\s)(?:jam |pukul )?(\d{1,2})[.:](\d{2})(?:\s*(?:wib|wita|wit))?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?$")
_WORDED = re.compile(r"^(\d{1,2})\s+([a-z]+)(?:\s+(\d{4}))?$")


class NotATime(ValueError):
    """The text is no date and time Balai understands."""


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment meant (UTC), or None for "now"; raises NotATime.

    A date without a year is the next such date (today counts); the past is the caller's
    to refuse, so it can say so plainly."""
    if fold(text) in NOW_WORDS:
        return None
    words = clean(text).lower().replace(",", " ").replace(" pukul", "").replace(" jam", "")
    words = " ".join(words.split())
    found = _TIME.search(words)
    if found is None:
        raise NotATime(text)
    hour, minute = int(found[1]), int(found[2])
    if hour > 23 or minute > 59:
        raise NotATime(text)
    day_part = words[: found.start()].strip()
    today = now.astimezone(zone).date()
    day = _day(day_part, today)
    local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return local.astimezone(UTC)


def _day(words: str, today: date) -> date:
    if not words:
        return today
    if words in _RELATIVE:
        return today + timedelta(days=_RELATIVE[words])
    numeric = _NUMERIC.match(words)
    worded = _WORDED.match(words)
    if numeric is not None:
        day, month, year = int(numeric[1]), int(numeric[2]), numeric[3]
    elif worded is not None and worded[2] in _MONTHS:
        day, month, year = int(worded[1]), _MONTHS[worded[2]], worded[3]
    else:
        raise NotATime(words)
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError as exc:  # 31/02
        raise NotATime(words) from exc
