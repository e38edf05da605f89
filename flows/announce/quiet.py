"""Quiet hours: the village's night, when a Biasa announcement waits for morning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from flows.announce.message import NORMAL
from flows.common.villages import VillageConfig


def _bounds(village: VillageConfig) -> tuple[time, time]:
    return (
        time.fromisoformat(village.quiet_hours.start),
        time.fromisoformat(village.quiet_hours.end),
    )


def in_quiet_hours(village: VillageConfig, now: datetime) -> bool:
    """Whether it is night in the village (its quiet hours, which may span midnight)."""
    local = now.astimezone(village.zone).time()
    start, end = _bounds(village)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def goes_at(villages: Sequence[VillageConfig], kind: str, moment: datetime) -> datetime | None:
    """When an announcement due at `moment` really goes, if not then: a Biasa one waits
    while it is night in any of its villages (a region's may keep different hours), and
    Penting and Darurat go at once."""
    if kind != NORMAL:
        return None
    goes = moment
    # Each round moves past the night of every village quiet then; one more village's
    # night can begin before another's ends, hence rounds (as many as villages suffice
    # unless their nights cover the whole day between them).
    for _round in range(len(villages) + 1):
        ends = [e for e in (quiet_ends(v, goes) for v in villages) if e is not None]
        if not ends:
            break
        goes = max(ends)
    return goes if goes != moment else None


def quiet_ends(village: VillageConfig, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end (None outside them)."""
    if not in_quiet_hours(village, now):
        return None
    local = now.astimezone(village.zone)
    _start, end = _bounds(village)
    ends = datetime.combine(local.date(), end, tzinfo=village.zone)
    return ends if ends > local else ends + timedelta(days=1)
