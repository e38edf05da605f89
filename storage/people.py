"""Queries about people: channel identities and the citizens behind them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import utcnow
from storage.models import ChannelIdentity, Citizen, Conversation, LinkCode
from storage.upsert import insert_ignoring

# Built once: every message runs it, and building a statement costs more than running it.
_ACCOUNT = (
    ChannelIdentity.channel == bindparam("channel"),
    ChannelIdentity.external_id == bindparam("external_id"),
)
_IDENTITY_AND_CONVERSATION = (
    select(ChannelIdentity, Conversation, Citizen)
    .outerjoin(Conversation, Conversation.identity_id == ChannelIdentity.id)
    .outerjoin(Citizen, Citizen.id == ChannelIdentity.citizen_id)
    .where(*_ACCOUNT)
)
_LOCK_IDENTITY = select(ChannelIdentity.id).where(*_ACCOUNT).with_for_update()


async def identity_and_conversation(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[ChannelIdentity, Conversation | None]:
    """The identity for this account (created on first contact) and where it is in a
    conversation, in one query: every message needs both. The resident behind the
    identity comes along into the session, so `citizen_by_id` needs no query of its own.

    Locked for the transaction (PostgreSQL; SQLite has one writer anyway), so two workers
    handling the same person's messages take turns instead of losing one answer. Created
    by an insert that the unique (channel, external id) decides: two first messages of
    one person handled at once make one identity, not an error.
    """
    account = {"channel": channel, "external_id": external_id}
    locking = session.get_bind().dialect.name != "sqlite"
    found = await _locked_then_read(session, account, locking)
    if found is None:
        values = {**account, "locale": "id"}
        await insert_ignoring(session, ChannelIdentity, values, ("channel", "external_id"))
        found = await _locked_then_read(session, account, locking)
    if found is None:  # identities are never deleted
        raise LookupError("a channel identity vanished while it was being created")
    return found[0], found[1]


async def _locked_then_read(
    session: AsyncSession, account: dict[str, str], locking: bool
) -> Row[ChannelIdentity, Conversation, Citizen] | None:
    # The lock is its own statement: in one statement PostgreSQL would give back the
    # conversation as its snapshot saw it before the lock was granted (only locked rows
    # are read again), and a message the other worker just handled would be handled twice.
    if locking and await session.scalar(_LOCK_IDENTITY, account) is None:
        return None
    return (await session.execute(_IDENTITY_AND_CONVERSATION, account)).first()


async def citizen_by_id(session: AsyncSession, citizen_id: int) -> Citizen | None:
    return await session.get(Citizen, citizen_id)


async def claim_citizen_version(
    session: AsyncSession,
    citizen: Citizen,
    expected_version: int,
    values: dict[str, Any],
    *,
    unverified: bool = False,
) -> bool:
    """Apply `values` only if nobody changed the citizen since `expected_version`.

    A single conditional UPDATE: two officials verifying at once, or an official and the
    resident editing at once, cannot both win. `unverified` also requires nobody verified
    them meanwhile. `citizen` is reloaded either way, so it shows what is stored now.
    A NIK taken meanwhile raises IntegrityError, as a flush would.
    """
    query = update(Citizen).where(
        Citizen.id == citizen.id,
        Citizen.version == expected_version,
        Citizen.deleted_at.is_(None),
    )
    if unverified:
        query = query.where(Citizen.verified_at.is_(None))
    result = await session.execute(
        query.values(version=expected_version + 1, **values).execution_options(
            synchronize_session=False
        )
    )
    await session.refresh(citizen)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def nik_taken(
    session: AsyncSession, village_id: int, nik: str, except_citizen: int | None = None
) -> bool:
    query = select(Citizen.id).where(Citizen.village_id == village_id, Citizen.nik == nik)
    if except_citizen is not None:
        query = query.where(Citizen.id != except_citizen)
    return (await session.scalar(query.limit(1))) is not None


async def identities_of(session: AsyncSession, citizen_id: int) -> list[ChannelIdentity]:
    found = await session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.citizen_id == citizen_id)
    )
    return list(found)


async def erase_citizen(session: AsyncSession, citizen: Citizen) -> None:
    """Empty every personal field, unlink every chat account (each linked app), drop
    their conversations and link codes.

    The row stays (anonymous) so decided cases keep a valid reference.
    """
    for identity in await identities_of(session, citizen.id):
        await session.execute(delete(Conversation).where(Conversation.identity_id == identity.id))
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.citizen_id == citizen.id)
        .values(citizen_id=None, phone=None)
    )
    await session.execute(delete(LinkCode).where(LinkCode.citizen_id == citizen.id))
    # One UPDATE whatever the version: erasing wins over any change made meanwhile (an
    # official verifying at the same moment), and the version still moves past both.
    await session.execute(
        update(Citizen)
        .where(Citizen.id == citizen.id)
        .values(
            full_name=None,
            nik=None,
            phone=None,
            dusun=None,
            rt=None,
            rw=None,
            verified_by=None,
            deleted_at=utcnow(),
            version=Citizen.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(citizen)


async def mark_unreachable(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> None:
    """Remember that this account blocked the bot (cleared when they write again)."""
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .values(unreachable_at=now)
    )


async def full_names(session: AsyncSession, citizen_ids: Collection[int]) -> dict[int, str | None]:
    """The full names of several residents in one query."""
    found = await session.execute(
        select(Citizen.id, Citizen.full_name).where(Citizen.id.in_(citizen_ids))
    )
    return {citizen_id: name for citizen_id, name in found}
