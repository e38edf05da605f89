"""A resident's announcement topics: one row per (resident, topic) they take.

Two taps at once (a double tap, two chat apps) meet at the primary key: subscribing is an
insert-on-conflict and unsubscribing a delete, each one statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TopicSubscription
from storage.upsert import insert_ignoring


async def of_citizen(session: AsyncSession, citizen_id: int) -> set[str]:
    """The topics this resident takes."""
    query = select(TopicSubscription.topic).where(TopicSubscription.citizen_id == citizen_id)
    return set(await session.scalars(query))


async def subscribe(session: AsyncSession, citizen_id: int, topic: str, now: datetime) -> bool:
    """Take the topic; True when it was not taken already."""
    values = {"citizen_id": citizen_id, "topic": topic, "created_at": now}
    return await insert_ignoring(session, TopicSubscription, values, ("citizen_id", "topic"))


async def subscribe_all(
    session: AsyncSession, citizen_id: int, topics: Iterable[str], now: datetime
) -> None:
    for topic in topics:
        await subscribe(session, citizen_id, topic, now)


async def unsubscribe(session: AsyncSession, citizen_id: int, topic: str) -> bool:
    """Stop the topic; True when it was taken."""
    result = await session.execute(
        delete(TopicSubscription)
        .where(TopicSubscription.citizen_id == citizen_id, TopicSubscription.topic == topic)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unsubscribe_all(session: AsyncSession, citizen_id: int, keep: Iterable[str] = ()) -> int:
    """Stop every topic but those in `keep`; how many were stopped."""
    query = delete(TopicSubscription).where(TopicSubscription.citizen_id == citizen_id)
    kept = tuple(keep)
    if kept:
        query = query.where(TopicSubscription.topic.not_in(kept))
    result = await session.execute(query.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
