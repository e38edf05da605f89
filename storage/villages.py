"""Keeps the villages table in step with the config file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Village


async def sync(session: AsyncSession, villages: list[tuple[str, str]]) -> dict[str, int]:
    """Insert or rename the configured villages; return their ids by code."""
    existing = {v.code: v for v in await session.scalars(select(Village))}
    for code, name in villages:
        row = existing.get(code)
        if row is None:
            row = Village(code=code, name=name)
            session.add(row)
            existing[code] = row
        else:
            row.name = name
    await session.flush()
    return {code: row.id for code, row in existing.items()}
