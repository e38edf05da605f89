"""Queries for announcements (pengumuman): create, find, list, change status race-safely."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statuses
from storage.models import Announcement, AnnouncementDelivery, Citizen

# The case codes' alphabet: no 0/O, 1/I/L, so a code reads aloud over the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _code_of(number: int) -> str:
    """The row's id in the unambiguous alphabet, at least four characters ("PGM-222F"):
    unique by construction, so no lookup before the insert."""
    digits = ""
    while number:
        number, rest = divmod(number, len(_ALPHABET))
        digits = _ALPHABET[rest] + digits
    return "PGM-" + digits.rjust(4, _ALPHABET[0])


async def create(session: AsyncSession, announcement: Announcement) -> Announcement:
    """Insert it and give it its code (derived from its id, so no two share one)."""
    announcement.code = "PGM-"
    session.add(announcement)
    await session.flush()
    announcement.code = _code_of(announcement.id)
    await session.flush()
    return announcement


async def by_id(session: AsyncSession, announcement_id: int) -> Announcement | None:
    return await session.get(Announcement, announcement_id)


async def by_code(session: AsyncSession, code: str) -> Announcement | None:
    query = select(Announcement).where(Announcement.code == code.strip().upper())
    return await session.scalar(query)


async def recent_for_chat(
    session: AsyncSession, chat_id: str, limit: int = 5
) -> list[Announcement]:
    """The newest announcements composed in this admin chat, newest first."""
    query = (
        select(Announcement)
        .where(Announcement.admin_chat_id == chat_id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def of_village(session: AsyncSession, village_id: int) -> list[Announcement]:
    """Every announcement that went (or goes) to this village, oldest first."""
    query = select(Announcement).order_by(Announcement.created_at, Announcement.id)
    return [a for a in await session.scalars(query) if village_id in a.village_ids]


async def set_status(
    session: AsyncSession,
    announcement_id: int,
    expected_version: int,
    status: str,
    *,
    from_statuses: tuple[str, ...] = (),
    **values: Any,
) -> bool:
    """Change the status only if nobody changed it since `expected_version` (and it is
    still in one of `from_statuses`, when given): one conditional UPDATE, one winner."""
    query = update(Announcement).where(
        Announcement.id == announcement_id, Announcement.version == expected_version
    )
    if from_statuses:
        query = query.where(Announcement.status.in_(from_statuses))
    result = await session.execute(
        query.values(status=status, version=expected_version + 1, **values).execution_options(
            synchronize_session=False
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def counts(session: AsyncSession, announcement_id: int) -> Counter[str]:
    """Deliveries by status (empty before the sending starts)."""
    query = (
        select(AnnouncementDelivery.status, func.count())
        .where(AnnouncementDelivery.announcement_id == announcement_id)
        .group_by(AnnouncementDelivery.status)
    )
    return Counter({status: n for status, n in await session.execute(query)})


async def counts_by(
    session: AsyncSession, announcement_id: int
) -> list[tuple[str, str, str, int, int]]:
    """(dusun, channel, status, deliveries, read) of one announcement's deliveries."""
    read = func.count(AnnouncementDelivery.read_at)
    query = (
        select(
            AnnouncementDelivery.dusun,
            AnnouncementDelivery.channel,
            AnnouncementDelivery.status,
            func.count(),
            read,
        )
        .where(AnnouncementDelivery.announcement_id == announcement_id)
        .group_by(
            AnnouncementDelivery.dusun, AnnouncementDelivery.channel, AnnouncementDelivery.status
        )
        .order_by(AnnouncementDelivery.dusun, AnnouncementDelivery.channel)
    )
    return [(d, c, s, n, r) for d, c, s, n, r in await session.execute(query)]


# Deliveries that did not reach their resident: officials may visit them in an emergency.
# Held ones too: a WhatsApp resident outside the window gets it only after writing again.
NOT_REACHED = (
    statuses.DELIVERY_UNREACHABLE,
    statuses.DELIVERY_FAILED,
    statuses.DELIVERY_EXPIRED,
    statuses.DELIVERY_HELD,
)


async def not_reached(
    session: AsyncSession, announcement_id: int
) -> list[tuple[AnnouncementDelivery, Citizen]]:
    """Each resident one announcement did not reach, by dusun and RT."""
    query = (
        select(AnnouncementDelivery, Citizen)
        .join(Citizen, Citizen.id == AnnouncementDelivery.citizen_id)
        .where(
            AnnouncementDelivery.announcement_id == announcement_id,
            AnnouncementDelivery.status.in_(NOT_REACHED),
        )
        .order_by(AnnouncementDelivery.dusun, Citizen.rt, Citizen.full_name, Citizen.id)
    )
    return [(d, c) for d, c in (await session.execute(query)).tuples()]


async def rts_in(session: AsyncSession, village_id: int, dusun: str) -> list[str]:
    """The RTs residents of one dusun live in ("001", "003"), for the RT buttons."""
    query = (
        select(Citizen.rt)
        .where(
            Citizen.village_id == village_id,
            Citizen.dusun == dusun,
            Citizen.rt.is_not(None),
            Citizen.deleted_at.is_(None),
        )
        .distinct()
        .order_by(Citizen.rt)
    )
    return [rt for rt in await session.scalars(query) if rt]
