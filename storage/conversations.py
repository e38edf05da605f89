"""Where each person is in a flow, kept in the database so restarts lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation
from storage.upsert import upsert


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
    """Keep where the person is now: one statement, whether or not a row is stored yet."""
    values = {
        "identity_id": identity_id,
        "flow": flow,
        "step": step,
        "form": form,
        "history": history,
        "updated_at": now,
    }
    await upsert(
        session,
        Conversation,
        values,
        ("identity_id",),
        update=("flow", "step", "form", "history", "updated_at"),
    )


async def clear(session: AsyncSession, identity_id: int) -> None:
    await session.execute(delete(Conversation).where(Conversation.identity_id == identity_id))
