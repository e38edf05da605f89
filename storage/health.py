"""What a health check and a metrics scrape read: the outbox's state and running broadcasts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import broadcast, outbox
from storage.models import Announcement, OutboxMessage

# The statuses counted; sent rows (nearly all of the table) are left out.
_COUNTED = (outbox.PENDING, outbox.SENDING, outbox.WAITING, outbox.FAILED)


@dataclass(frozen=True)
class OutboxState:
    """How many messages stand in each status, and for how long the oldest due one has
    waited, by priority (outbox.URGENT first)."""

    depth: dict[str, int] = field(default_factory=dict)
    oldest_due_seconds: dict[int, float] = field(default_factory=dict)
    broadcasts_sending: int = 0

    @property
    def dead_letters(self) -> int:
        return self.depth.get(outbox.FAILED, 0)


async def outbox_state(session: AsyncSession, now: datetime) -> OutboxState:
    """Counts by status and priority, read through the (status, next_attempt_at) index."""
    rows = await session.execute(
        select(
            OutboxMessage.status,
            OutboxMessage.priority,
            func.count(),
            func.min(OutboxMessage.next_attempt_at),
        )
        .where(OutboxMessage.status.in_(_COUNTED))
        .group_by(OutboxMessage.status, OutboxMessage.priority)
    )
    depth = dict.fromkeys(_COUNTED, 0)
    oldest: dict[int, float] = {}
    for status, priority, count, earliest in rows:
        depth[status] += int(count)
        # Due: waiting to be sent now, or claimed by a worker whose claim ran out.
        if status in (outbox.PENDING, outbox.SENDING) and earliest is not None:
            waited = (now - _aware(earliest)).total_seconds()
            if waited >= 0:
                oldest[priority] = max(oldest.get(priority, 0.0), waited)
    sending = await session.scalar(
        select(func.count()).where(Announcement.status == broadcast.SENDING)
    )
    return OutboxState(depth, oldest, int(sending or 0))


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; Balai stores UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
