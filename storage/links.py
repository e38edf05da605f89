"""One person, several chat apps: link codes, linking and unlinking, and which account
a notification goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import ChannelIdentity, Citizen, Conversation, LinkCode
from storage.upsert import insert_ignoring

# A code is given at most this often per resident and hour.
CODES_PER_HOUR = 3


@dataclass(frozen=True)
class Redeemed:
    """A code that was just used: whose it is and which account asked for it."""

    citizen_id: int
    identity_id: int


async def issue_code(
    session: AsyncSession,
    citizen_id: int,
    identity_id: int,
    code_hash: str,
    now: datetime,
    valid_for: timedelta,
) -> bool:
    """Make `code_hash` the resident's one active code; False when they asked too often.

    One conditional UPDATE decides both the rate limit and the replacement, so two
    requests at once cannot both slip under the limit."""
    await insert_ignoring(
        session,
        LinkCode,
        {
            "citizen_id": citizen_id,
            "identity_id": identity_id,
            "expires_at": now,
            "window_started_at": now,
            "issued_in_window": 0,
        },
        ("citizen_id",),
    )
    window_over = LinkCode.window_started_at <= now - timedelta(hours=1)
    result = await session.execute(
        update(LinkCode)
        .where(
            LinkCode.citizen_id == citizen_id,
            window_over | (LinkCode.issued_in_window < CODES_PER_HOUR),
        )
        .values(
            identity_id=identity_id,
            code_hash=code_hash,
            expires_at=now + valid_for,
            used_at=None,
            issued_in_window=case((window_over, 1), else_=LinkCode.issued_in_window + 1),
            window_started_at=case((window_over, now), else_=LinkCode.window_started_at),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def code_owner(session: AsyncSession, code_hash: str) -> LinkCode | None:
    """The code with this hash, used, expired or not (None: no such code)."""
    return await session.scalar(
        select(LinkCode).where(LinkCode.code_hash == code_hash).order_by(LinkCode.id).limit(1)
    )


async def redeem(session: AsyncSession, code_id: int, now: datetime) -> Redeemed | None:
    """Use the code once: of two people sending it at once, exactly one gets it."""
    found = (
        await session.execute(
            update(LinkCode)
            .where(LinkCode.id == code_id, LinkCode.used_at.is_(None), LinkCode.expires_at > now)
            .values(used_at=now)
            .returning(LinkCode.citizen_id, LinkCode.identity_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    return Redeemed(found[0], found[1]) if found is not None else None


async def link(session: AsyncSession, identity_id: int, citizen_id: int) -> bool:
    """Give an account that belongs to nobody to this resident (False: it was taken)."""
    result = await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.id == identity_id, ChannelIdentity.citizen_id.is_(None))
        .values(citizen_id=citizen_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unlink(session: AsyncSession, identity_id: int, citizen_id: int) -> bool:
    """Detach one account from the resident, only while another account stays theirs."""
    other = aliased(ChannelIdentity)
    others = select(other.id).where(other.citizen_id == citizen_id, other.id != identity_id)
    result = await session.execute(
        update(ChannelIdentity)
        .where(
            ChannelIdentity.id == identity_id,
            ChannelIdentity.citizen_id == citizen_id,
            exists(others),
        )
        .values(citizen_id=None, phone=None)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(delete(Conversation).where(Conversation.identity_id == identity_id))
    # A code this account asked for must not link a third app to the person it left.
    await session.execute(delete(LinkCode).where(LinkCode.identity_id == identity_id))
    return True


async def forget_codes(session: AsyncSession, citizen_id: int) -> None:
    await session.execute(delete(LinkCode).where(LinkCode.citizen_id == citizen_id))


async def notification_identity(session: AsyncSession, citizen_id: int) -> ChannelIdentity | None:
    """The account a resident's notifications go to: a reachable one before one that
    blocked the bot, then the one they wrote from last."""
    return await session.scalar(
        select(ChannelIdentity)
        .where(ChannelIdentity.citizen_id == citizen_id)
        .order_by(
            ChannelIdentity.unreachable_at.is_not(None),
            ChannelIdentity.last_inbound_at.is_(None),
            ChannelIdentity.last_inbound_at.desc(),
            ChannelIdentity.id.desc(),
        )
        .limit(1)
    )


async def citizen_with_phone_elsewhere(
    session: AsyncSession, phone_spellings: list[str], channel: str
) -> Citizen | None:
    """A resident with one of these numbers, registered on another app and on none of
    `channel`'s accounts yet (whose registration a verified number may join)."""
    on_channel = select(ChannelIdentity.id).where(
        ChannelIdentity.citizen_id == Citizen.id, ChannelIdentity.channel == channel
    )
    elsewhere = select(ChannelIdentity.id).where(
        ChannelIdentity.citizen_id == Citizen.id, ChannelIdentity.channel != channel
    )
    return await session.scalar(
        select(Citizen)
        .where(
            Citizen.phone.in_(phone_spellings),
            Citizen.deleted_at.is_(None),
            ~exists(on_channel),
            exists(elsewhere),
        )
        .order_by(Citizen.id)
        .limit(1)
    )


async def citizen_of_account_phone(
    session: AsyncSession, phone_spellings: list[str], channel: str
) -> Citizen | None:
    """A resident with an account on another app whose verified number is one of these,
    and with no account on `channel` yet."""
    on_channel = select(ChannelIdentity.id).where(
        ChannelIdentity.citizen_id == Citizen.id, ChannelIdentity.channel == channel
    )
    account = select(ChannelIdentity.id).where(
        ChannelIdentity.citizen_id == Citizen.id,
        ChannelIdentity.channel != channel,
        ChannelIdentity.phone.in_(phone_spellings),
    )
    return await session.scalar(
        select(Citizen)
        .where(Citizen.deleted_at.is_(None), ~exists(on_channel), exists(account))
        .order_by(Citizen.id)
        .limit(1)
    )


async def has_account_on(session: AsyncSession, citizen_id: int, channel: str) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(ChannelIdentity)
        .where(and_(ChannelIdentity.citizen_id == citizen_id, ChannelIdentity.channel == channel))
    )
    return bool(found)


async def notified(session: AsyncSession, citizen_id: int) -> list[ChannelIdentity]:
    """The accounts a resident's notification goes to: the one `notification_identity`
    chooses, or none."""
    found = await notification_identity(session, citizen_id)
    return [found] if found is not None else []
