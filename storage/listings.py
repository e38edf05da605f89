"""Lapak Desa listings: the rows buyers browse, kept beside their moderation case."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Listing


async def add(session: AsyncSession, listing: Listing) -> Listing:
    session.add(listing)
    await session.flush()
    return listing


async def by_case(session: AsyncSession, case_id: int) -> Listing | None:
    return await session.scalar(select(Listing).where(Listing.case_id == case_id))


async def set_values(session: AsyncSession, case_id: int, values: dict[str, Any]) -> None:
    """Change the listing of a case (its case's version check has already been won)."""
    await session.execute(
        update(Listing)
        .where(Listing.case_id == case_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def of_seller(session: AsyncSession, citizen_id: int) -> list[Listing]:
    query = select(Listing).where(Listing.citizen_id == citizen_id)
    return list(await session.scalars(query.order_by(Listing.id.desc())))


async def count_of_seller(
    session: AsyncSession,
    citizen_id: int,
    *,
    statuses: Sequence[str] | None = None,
    since: datetime | None = None,
) -> int:
    query = select(func.count(Listing.id)).where(Listing.citizen_id == citizen_id)
    if statuses is not None:
        query = query.where(Listing.status.in_(statuses))
    if since is not None:
        query = query.where(Listing.created_at >= since)
    return int(await session.scalar(query) or 0)


async def in_village(session: AsyncSession, village_id: int) -> list[Listing]:
    query = select(Listing).where(Listing.village_id == village_id)
    return list(await session.scalars(query.order_by(Listing.id.desc())))


async def expiring(
    session: AsyncSession, statuses: Sequence[str], before: datetime
) -> list[Listing]:
    """Listings in `statuses` whose time ends before `before`."""
    query = select(Listing).where(Listing.status.in_(statuses), Listing.expires_at < before)
    return list(await session.scalars(query.order_by(Listing.id)))


async def mark_renewal_asked(session: AsyncSession, listing_id: int, now: datetime) -> bool:
    """Note the seller was asked to renew; False when another worker asked already."""
    result = await session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.renewal_asked_at.is_(None))
        .values(renewal_asked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def by_ids(
    session: AsyncSession, ids: Sequence[int], statuses: Collection[str]
) -> list[Listing]:
    """The listings of `ids` in one of `statuses`, in the order of `ids` (a search's)."""
    found = await session.scalars(
        select(Listing).where(Listing.id.in_(ids), Listing.status.in_(statuses))
    )
    by_id = {listing.id: listing for listing in found}
    return [by_id[i] for i in ids if i in by_id]


async def count_view(session: AsyncSession, listing_id: int) -> None:
    """One more view; an increment in the database, so two buyers at once both count."""
    await session.execute(
        update(Listing).where(Listing.id == listing_id).values(views=Listing.views + 1)
    )


async def with_code(
    session: AsyncSession, code: str, statuses: Collection[str], village_id: int | None = None
) -> list[Listing]:
    """Listings with this code in `statuses` (in one village, or in all: codes repeat across
    villages), newest first."""
    query = select(Listing).where(Listing.code == code.upper(), Listing.status.in_(statuses))
    if village_id is not None:
        query = query.where(Listing.village_id == village_id)
    return list(await session.scalars(query.order_by(Listing.id.desc())))


async def newest(
    session: AsyncSession,
    village_ids: Collection[int],
    statuses: Collection[str],
    *,
    category: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Listing], int]:
    """One page of these villages' listings in `statuses` (of one category, or all), the
    latest to go live first, and how many there are."""
    where: list[ColumnElement[bool]] = [
        Listing.village_id.in_(village_ids),
        Listing.status.in_(statuses),
    ]
    if category:
        where.append(Listing.category == category)
    total = int(await session.scalar(select(func.count(Listing.id)).where(*where)) or 0)
    order = (Listing.approved_at.desc(), Listing.id.desc())
    query = select(Listing).where(*where).order_by(*order).offset(offset).limit(limit)
    return list(await session.scalars(query)), total
