"""Finding live listings by what they are called: a minimal stand-in (a LIKE over the
listings' own search text) with the interface of the real, typo-tolerant index."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Listing


async def index(session: AsyncSession, listing_id: int, village_id: int, text: str) -> None:
    """Make a live listing findable by `text` (again, after a change)."""
    await session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.village_id == village_id)
        .values(search_text=text.lower())
        .execution_options(synchronize_session=False)
    )


async def remove(session: AsyncSession, listing_id: int) -> None:
    """The listing is no longer live: nobody finds it any more."""
    await session.execute(
        update(Listing)
        .where(Listing.id == listing_id)
        .values(search_text=None)
        .execution_options(synchronize_session=False)
    )


async def search(
    session: AsyncSession, village_ids: Sequence[int], query: str, limit: int
) -> list[int]:
    """Ids of findable listings of those villages whose text holds every typed word."""
    words = [w for w in query.lower().split() if w]
    if not words or not village_ids:
        return []
    statement = select(Listing.id).where(
        Listing.village_id.in_(village_ids), Listing.search_text.is_not(None)
    )
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Listing.search_text.like(f"%{escaped}%", escape="\\"))
    return list(await session.scalars(statement.order_by(Listing.id.desc()).limit(limit)))
