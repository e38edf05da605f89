"""Working days: when a letter is expected, counting Monday to Friday in the village."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def add_working_days(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`days` working days after `start`, skipping Saturdays and Sundays in `zone`.

    Public holidays are not known to Balai; officials see the date on the card.
    """
    moment = start.astimezone(zone)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment.astimezone(UTC)
