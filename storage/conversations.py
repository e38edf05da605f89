"""Where each person is in a flow, kept in the database so restarts lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def load(session: AsyncSession, identity_id: int) -> Conversation | None:
    return await session.get(Conversation, identity_id)


async def save(
    session: AsyncSession,
    identity_id: int,
    *,
    flow: str,
    step: str,
    form: dict[str, Any],
    history: dict[str, Any],
    now: datetime,
) -> None:
    row = await session.get(Conversation, identity_id)
    if row is None:
        row = Conversation(identity_id=identity_id)
        session.add(row)
    row.flow, row.step, row.form, row.history, row.updated_at = flow, step, form, history, now


async def clear(session: AsyncSession, identity_id: int) -> None:
    await session.execute(delete(Conversation).where(Conversation.identity_id == identity_id))
