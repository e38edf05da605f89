"""Messages already handled, by the channel's own message id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundReceipt
from storage.upsert import insert_ignoring


async def first_time(session: AsyncSession, channel: str, message_id: str, now: datetime) -> bool:
    """Record that `message_id` is being handled; False when it was already.

    Inside the transaction of the step it causes: if the step fails and rolls back, the
    receipt goes too, and a redelivery is handled afresh."""
    values = {"channel": channel, "message_id": message_id, "received_at": now}
    return await insert_ignoring(session, InboundReceipt, values, ("channel", "message_id"))


async def prune(session: AsyncSession, before: datetime, batch: int) -> int:
    """Delete receipts taken before `before` among the `batch` oldest; return how many.

    Receipts are written in time order, so the oldest by id are the oldest by time and
    the primary key finds them without a scan; a batch with fewer old ones is the end.
    """
    oldest = select(InboundReceipt.id).order_by(InboundReceipt.id).limit(batch)
    result = await session.execute(
        delete(InboundReceipt).where(
            InboundReceipt.id.in_(oldest.scalar_subquery()), InboundReceipt.received_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
