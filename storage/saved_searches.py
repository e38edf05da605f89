"""Saved searches (🔔 Kabari saya): one row per buyer and query, with its lookup words.

Approving a listing must not read every saved search of the village: each saved search
keeps the words that can make a listing match it (`saved_search_terms`, indexed by village
and word), so an approval looks up only the listing's own words.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SavedSearch, SavedSearchTerm
from storage.upsert import insert_ignoring


async def add(
    session: AsyncSession,
    *,
    citizen_id: int,
    village_id: int,
    query: str,
    normalised: str,
    terms: Collection[str],
    now: datetime,
) -> bool:
    """Save the search unless this buyer saved the same one; True when it is new."""
    values = {
        "citizen_id": citizen_id,
        "village_id": village_id,
        "query": query,
        "normalised": normalised,
        "created_at": now,
    }
    if not await insert_ignoring(session, SavedSearch, values, ("citizen_id", "normalised")):
        return False
    search_id = await session.scalar(
        select(SavedSearch.id).where(
            SavedSearch.citizen_id == citizen_id, SavedSearch.normalised == normalised
        )
    )
    for term in sorted(set(terms)):
        await insert_ignoring(
            session,
            SavedSearchTerm,
            {"search_id": search_id, "village_id": village_id, "term": term[:40]},
            ("search_id", "term"),
        )
    return True


async def count_of(session: AsyncSession, citizen_id: int) -> int:
    query = select(func.count(SavedSearch.id)).where(SavedSearch.citizen_id == citizen_id)
    return int(await session.scalar(query) or 0)


async def of_citizen(session: AsyncSession, citizen_id: int) -> list[SavedSearch]:
    query = select(SavedSearch).where(SavedSearch.citizen_id == citizen_id)
    return list(await session.scalars(query.order_by(SavedSearch.id)))


async def remove(session: AsyncSession, citizen_id: int, search_id: int) -> bool:
    """Delete one of the buyer's saved searches; False when it was not theirs (or gone)."""
    result = await session.execute(
        delete(SavedSearch)
        .where(SavedSearch.id == search_id, SavedSearch.citizen_id == citizen_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def remove_all(session: AsyncSession, citizen_id: int) -> int:
    """Delete every saved search of the buyer; how many there were."""
    result = await session.execute(
        delete(SavedSearch)
        .where(SavedSearch.citizen_id == citizen_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def candidates(
    session: AsyncSession,
    village_id: int,
    words: Collection[str],
    *,
    not_citizen: int,
    told_before: datetime,
) -> Sequence[SavedSearch]:
    """Saved searches of the village holding one of `words` as a lookup word, not the
    seller's own, and not told since `told_before`: the ones worth checking for a listing."""
    if not words:
        return []
    holding = select(SavedSearchTerm.search_id).where(
        SavedSearchTerm.village_id == village_id, SavedSearchTerm.term.in_(sorted(words))
    )
    query = select(SavedSearch).where(
        SavedSearch.id.in_(holding),
        SavedSearch.citizen_id != not_citizen,
        or_(SavedSearch.last_told_at.is_(None), SavedSearch.last_told_at <= told_before),
    )
    return list(await session.scalars(query.order_by(SavedSearch.id)))


async def claim_telling(
    session: AsyncSession, search_id: int, now: datetime, told_before: datetime
) -> bool:
    """Mark the search told now, if it was not told since `told_before`; False when it was
    (by this approval's neighbour in another transaction, say): tell nobody then."""
    result = await session.execute(
        update(SavedSearch)
        .where(
            SavedSearch.id == search_id,
            or_(SavedSearch.last_told_at.is_(None), SavedSearch.last_told_at <= told_before),
        )
        .values(last_told_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
