"""Working days: when a letter is expected, counting Monday to Friday in the village."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def add_working_days(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The end of the day `days` working days after `start`, skipping Saturdays and
    Sundays in `zone`: a request is late only once its expected day is over.

    Public holidays are not known to Balai; officials see the date on the card.
    """
    day = start.astimezone(zone).date()
    added = 0
    while added < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return datetime.combine(day, time(23, 59), tzinfo=zone).astimezone(UTC)
