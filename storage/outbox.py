"""The outbox: messages for other chats, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# A message claimed by a worker that died is offered again after this long.
CLAIM_TIMEOUT = timedelta(minutes=2)


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    if dedupe_key is not None:
        exists = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return
    session.add(
        OutboxMessage(
            channel=channel,
            chat_id=chat_id,
            payload=payload,
            dedupe_key=dedupe_key,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker, oldest first.

    On PostgreSQL `SKIP LOCKED` lets several workers share the table; SQLite has one writer.
    """
    query = (
        select(OutboxMessage)
        # A SENDING row whose claim ran out belongs to a worker that died mid-delivery.
        .where(OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = list(await session.scalars(query))
    for message in claimed:
        message.status = SENDING
        message.next_attempt_at = now + CLAIM_TIMEOUT
    return claimed


async def mark_sent(
    session: AsyncSession, message_id: int, now: datetime, attempts: int, external_id: str | None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=SENT, sent_at=now, attempts=attempts, external_message_id=external_id)
    )


async def reschedule(
    session: AsyncSession, message_id: int, at: datetime, attempts: int, error: str
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=PENDING, next_attempt_at=at, attempts=attempts, last_error=error[:300])
    )


async def mark_failed(session: AsyncSession, message_id: int, attempts: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=FAILED, attempts=attempts, last_error=error[:300])
    )


async def delivered_id(session: AsyncSession, dedupe_key: str) -> str | None:
    """The channel's message id of an earlier delivered message, by its dedupe key."""
    return await session.scalar(
        select(OutboxMessage.external_message_id).where(
            OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == SENT
        )
    )
