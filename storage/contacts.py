"""Lapak Desa conversations between buyers and sellers: threads, blocks, daily caps.

Every change is one conditional statement (an insert-on-conflict or an UPDATE whose WHERE
holds the condition): two presses at once, from one person or from both sides, never
both win, and no lookup comes before a write that depends on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statuses
from storage.models import ContactBlock, ContactQuota, ContactThread, Listing
from storage.upsert import insert_ignoring

OPEN, ENDED = statuses.CONTACT_OPEN, statuses.CONTACT_ENDED


async def thread(session: AsyncSession, thread_id: int) -> ContactThread | None:
    """The thread as stored now (the conditional updates here bypass the session)."""
    return await session.get(ContactThread, thread_id, populate_existing=True)


async def thread_of(session: AsyncSession, listing_id: int, buyer_id: int) -> ContactThread | None:
    return await session.scalar(
        select(ContactThread)
        .where(ContactThread.listing_id == listing_id, ContactThread.buyer_id == buyer_id)
        .execution_options(populate_existing=True)
    )


async def open_thread(
    session: AsyncSession, listing_id: int, seller_id: int, buyer_id: int, now: datetime
) -> ContactThread | None:
    """Start the buyer's conversation about a listing: a new row (numbered by the listing's
    contact count, which goes up by one), or the ended one opened again. None when it is
    open already (another press got there first)."""
    values = {
        "listing_id": listing_id,
        "seller_id": seller_id,
        "buyer_id": buyer_id,
        "number": 0,
        "status": OPEN,
        "created_at": now,
        "updated_at": now,
        "day": "",
        "sent_on_day": 0,
    }
    if await insert_ignoring(session, ContactThread, values, ("listing_id", "buyer_id")):
        counted = await session.scalar(
            update(Listing)
            .where(Listing.id == listing_id)
            .values(contacts=Listing.contacts + 1)
            .returning(Listing.contacts)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(ContactThread)
            .where(ContactThread.listing_id == listing_id, ContactThread.buyer_id == buyer_id)
            .values(number=int(counted or 0))
            .execution_options(synchronize_session=False)
        )
    else:
        reopened = await session.execute(
            update(ContactThread)
            .where(
                ContactThread.listing_id == listing_id,
                ContactThread.buyer_id == buyer_id,
                ContactThread.status == ENDED,
            )
            .values(status=OPEN, ended_by=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not reopened.rowcount:  # type: ignore[attr-defined]
            return None
    return await thread_of(session, listing_id, buyer_id)


async def count_message(
    session: AsyncSession, thread_id: int, day: str, cap: int, now: datetime
) -> bool:
    """Count one relayed message on an open thread; False when it is not open (any more)
    or has reached `cap` messages on `day`."""
    result = await session.execute(
        update(ContactThread)
        .where(
            ContactThread.id == thread_id,
            ContactThread.status == OPEN,
            or_(ContactThread.day != day, ContactThread.sent_on_day < cap),
        )
        .values(
            sent_on_day=case((ContactThread.day == day, ContactThread.sent_on_day + 1), else_=1),
            day=day,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def end(session: AsyncSession, thread_id: int, by: str, now: datetime) -> bool:
    """End an open thread; False when it had ended already."""
    result = await session.execute(
        update(ContactThread)
        .where(ContactThread.id == thread_id, ContactThread.status == OPEN)
        .values(status=ENDED, ended_by=by, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def open_threads_of(session: AsyncSession, citizen_id: int) -> list[ContactThread]:
    """The open threads a resident takes part in, as buyer or seller."""
    query = select(ContactThread).where(
        ContactThread.status == OPEN,
        or_(ContactThread.buyer_id == citizen_id, ContactThread.seller_id == citizen_id),
    )
    return list(await session.scalars(query.order_by(ContactThread.id)))


async def open_threads_between(
    session: AsyncSession, seller_id: int, buyer_id: int
) -> list[ContactThread]:
    query = select(ContactThread).where(
        ContactThread.status == OPEN,
        ContactThread.seller_id == seller_id,
        ContactThread.buyer_id == buyer_id,
    )
    return list(await session.scalars(query.order_by(ContactThread.id)))


async def block(session: AsyncSession, seller_id: int, buyer_id: int, now: datetime) -> bool:
    """Store that the seller takes no more messages from the buyer; False if stored already."""
    values = {"seller_id": seller_id, "buyer_id": buyer_id, "created_at": now}
    return await insert_ignoring(session, ContactBlock, values, ("seller_id", "buyer_id"))


async def is_blocked(session: AsyncSession, seller_id: int, buyer_id: int) -> bool:
    found = await session.scalar(
        select(ContactBlock.id).where(
            ContactBlock.seller_id == seller_id, ContactBlock.buyer_id == buyer_id
        )
    )
    return found is not None


async def take_start(session: AsyncSession, citizen_id: int, day: str, cap: int) -> bool:
    """Count one conversation the resident starts on `day`; False when `cap` are used."""
    await insert_ignoring(
        session, ContactQuota, {"citizen_id": citizen_id, "day": "", "used": 0}, ("citizen_id",)
    )
    result = await session.execute(
        update(ContactQuota)
        .where(
            ContactQuota.citizen_id == citizen_id,
            or_(ContactQuota.day != day, ContactQuota.used < cap),
        )
        .values(used=case((ContactQuota.day == day, ContactQuota.used + 1), else_=1), day=day)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def starts_left(session: AsyncSession, citizen_id: int, day: str, cap: int) -> int:
    """How many conversations the resident may still start on `day` (for an early word;
    `take_start` decides)."""
    quota = await session.get(ContactQuota, citizen_id, populate_existing=True)
    if quota is None or quota.day != day:
        return cap
    return max(0, cap - quota.used)
