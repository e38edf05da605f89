"""Workers sharing one database: heartbeats, who is alive, what they sent lately."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Worker
from storage.upsert import upsert


async def beat(
    session: AsyncSession, worker_id: str, started_at: datetime, now: datetime, sent: int
) -> None:
    """This worker is alive now and sent `sent` Telegram messages in the last second."""
    values = {"id": worker_id, "started_at": started_at, "seen_at": now, "sent": sent}
    await upsert(session, Worker, values, ("id",), ("seen_at", "sent"))


async def alive(session: AsyncSession, since: datetime) -> list[Worker]:
    """Workers heard from since `since`, the longest running first."""
    query = select(Worker).where(Worker.seen_at >= since).order_by(Worker.started_at, Worker.id)
    return list(await session.scalars(query))


async def leave(session: AsyncSession, worker_id: str) -> None:
    await session.execute(delete(Worker).where(Worker.id == worker_id))


async def forget_silent(session: AsyncSession, before: datetime) -> None:
    """Rows of workers gone without leaving (killed): silent since `before`."""
    await session.execute(delete(Worker).where(Worker.seen_at < before))
