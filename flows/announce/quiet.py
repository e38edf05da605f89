"""Quiet hours: the village's night, when a Biasa announcement waits for morning."""

from __future__ import annotations

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


def goes_at(village: VillageConfig, kind: str, moment: datetime) -> datetime | None:
    """When an announcement due at `moment` really goes, if not then: a Biasa one due in
    the quiet hours goes when they end (Penting and Darurat go at once)."""
    return quiet_ends(village, moment) if kind == NORMAL else None


def quiet_ends(village: VillageConfig, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end (None outside them)."""
    if not in_quiet_hours(village, now):
        return None
    local = now.astimezone(village.zone)
    _start, end = _bounds(village)
    ends = datetime.combine(local.date(), end, tzinfo=village.zone)
    return ends if ends > local else ends + timedelta(days=1)
