"""Keeps the villages table in step with the config file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Village
from storage.upsert import upsert


async def sync(session: AsyncSession, villages: list[tuple[str, str]]) -> dict[str, int]:
    """Insert or rename the configured villages; return their ids by code.

    An insert-or-update by code: two processes starting at once both keep the villages.
    """
    for code, name in villages:
        await upsert(session, Village, {"code": code, "name": name}, ("code",), update=("name",))
    return {row.code: row.id for row in await session.scalars(select(Village))}
