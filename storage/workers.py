"""Workers sharing one database: heartbeats, who is alive, their shares of the limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Worker
from storage.upsert import upsert

# PostgreSQL's advisory lock key for changing shares ("shares" in ASCII).
SHARES_LOCK = 0x736861726573


async def hold_the_shares(session: AsyncSession) -> None:
    """Until this transaction ends, no other worker changes its share (a raise must not
    count on room another worker is raising into). SQLite has one worker."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SHARES_LOCK})


async def beat(
    session: AsyncSession,
    worker_id: str,
    started_at: datetime,
    now: datetime,
    holds: int = 0,
    wants: int = 0,
) -> None:
    """This worker is alive now, may send `holds` Telegram messages in any second, and
    would like `wants`."""
    values = {
        "id": worker_id,
        "started_at": started_at,
        "seen_at": now,
        "holds": holds,
        "wants": wants,
    }
    await upsert(session, Worker, values, ("id",), ("seen_at", "holds", "wants"))


async def alive(session: AsyncSession, since: datetime) -> list[Worker]:
    """Workers heard from since `since`, the longest running first."""
    query = select(Worker).where(Worker.seen_at >= since).order_by(Worker.started_at, Worker.id)
    return list(await session.scalars(query))


async def leave(session: AsyncSession, worker_id: str) -> None:
    await session.execute(delete(Worker).where(Worker.id == worker_id))


async def forget_silent(session: AsyncSession, before: datetime) -> None:
    """Rows of workers gone without leaving (killed): silent since `before`."""
    await session.execute(delete(Worker).where(Worker.seen_at < before))
