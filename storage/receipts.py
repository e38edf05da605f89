"""Messages already handled, by the channel's own message id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundReceipt
from storage.upsert import insert_ignoring


async def first_time(session: AsyncSession, channel: str, message_id: str, now: datetime) -> bool:
    """Record that `message_id` is being handled; False when it was already.

    Inside the transaction of the step it causes: if the step fails and rolls back, the
    receipt goes too, and a redelivery is handled afresh."""
    values = {"channel": channel, "message_id": message_id, "received_at": now}
    return await insert_ignoring(session, InboundReceipt, values, ("channel", "message_id"))
