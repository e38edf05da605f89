"""What announcements a resident sees: those that reached them, those sent before they
joined, and their ✅ Sudah saya baca."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statuses
from storage.models import Announcement, AnnouncementDelivery

# A delivery that went (or is on its way) to the resident's chat.
REACHED = (statuses.DELIVERY_QUEUED, statuses.DELIVERY_SENT, statuses.DELIVERY_HELD)
# Announcements released to their villages, whose sending no official halted.
RELEASED = (statuses.ANNOUNCEMENT_SENDING, statuses.ANNOUNCEMENT_DONE)


class Read(StrEnum):
    NOTED = "noted"
    ALREADY = "already"
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class Seen:
    """An announcement as the resident's list shows it, with when it was sent."""

    announcement: Announcement
    sent: datetime
    delivered: bool


async def mark_read(
    session: AsyncSession, announcement_id: int, citizen_id: int, now: datetime
) -> Read:
    """Note the resident read it, once: a conditional UPDATE, so two taps count once."""
    result = await session.execute(
        update(AnnouncementDelivery)
        .where(
            AnnouncementDelivery.announcement_id == announcement_id,
            AnnouncementDelivery.citizen_id == citizen_id,
            AnnouncementDelivery.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return Read.NOTED
    found = await session.scalar(
        select(AnnouncementDelivery.id).where(
            AnnouncementDelivery.announcement_id == announcement_id,
            AnnouncementDelivery.citizen_id == citizen_id,
        )
    )
    return Read.ALREADY if found is not None else Read.NOT_SENT


def _when(delivery: AnnouncementDelivery | None, announcement: Announcement) -> datetime:
    if delivery is not None and (delivery.sent_at or delivery.queued_at):
        return delivery.sent_at or delivery.queued_at or announcement.send_at
    return announcement.started_at or announcement.send_at


async def delivered(
    session: AsyncSession, citizen_id: int, since: datetime, limit: int
) -> list[Seen]:
    """The newest announcements that reached this resident, since `since`."""
    query = (
        select(AnnouncementDelivery, Announcement)
        .join(Announcement, Announcement.id == AnnouncementDelivery.announcement_id)
        .where(
            AnnouncementDelivery.citizen_id == citizen_id,
            AnnouncementDelivery.status.in_(REACHED),
            Announcement.send_at >= since,
        )
        .order_by(Announcement.send_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return [Seen(a, _when(d, a), True) for d, a in await session.execute(query)]


async def before_joining(
    session: AsyncSession, citizen_id: int, joined: datetime, since: datetime
) -> list[Announcement]:
    """Announcements released since `since` but before the resident joined, that made no
    delivery for them: the caller keeps those of their village and audience."""
    made = select(AnnouncementDelivery.id).where(
        AnnouncementDelivery.announcement_id == Announcement.id,
        AnnouncementDelivery.citizen_id == citizen_id,
    )
    query = (
        select(Announcement)
        .where(
            Announcement.status.in_(RELEASED),
            Announcement.started_at.is_not(None),
            Announcement.started_at >= since,
            Announcement.started_at < joined,
            ~made.exists(),
        )
        .order_by(Announcement.started_at.desc(), Announcement.id.desc())
    )
    return list(await session.scalars(query))


async def delivery_of(
    session: AsyncSession, announcement_id: int, citizen_id: int
) -> AnnouncementDelivery | None:
    return await session.scalar(
        select(AnnouncementDelivery).where(
            AnnouncementDelivery.announcement_id == announcement_id,
            AnnouncementDelivery.citizen_id == citizen_id,
        )
    )
