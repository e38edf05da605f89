"""When each chat account last wrote: some chat apps take messages only for a while after."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity

# A busy chat writes the time down at most this often; readers allow for it.
TOUCH_EVERY = timedelta(minutes=5)


def touch(identity: ChannelIdentity, now: datetime) -> bool:
    """Note that the person wrote (the caller holds the identity's row for its step);
    True when it was written down (not done within the last few minutes)."""
    last = identity.last_inbound_at
    if last is None or last <= now - TOUCH_EVERY or last > now:
        identity.last_inbound_at = now
        return True
    return False


async def forget(session: AsyncSession, channel: str, external_id: str) -> None:
    """The app said the window is closed although the noted time said open: forget the
    time, so their next message is written down (and wakes what waits) at once."""
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .values(last_inbound_at=None)
    )


async def last_inbound(session: AsyncSession, channel: str, external_id: str) -> datetime | None:
    return await session.scalar(
        select(ChannelIdentity.last_inbound_at).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )
