"""Delivering announcements: starting due ones, one delivery per resident, the outbox's
outcomes copied back, and the counts the progress card shows.

Each delivery enters the outbox under the dedupe key "ann:<announcement>:<citizen>", in
the transaction that marks it queued; the outbox's unique key is what keeps "none twice"
across crashes and restarts.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox, statuses
from storage.audience import Audience, recipients
from storage.models import Announcement, AnnouncementDelivery, ChannelIdentity, OutboxMessage

SCHEDULED, SENDING = statuses.ANNOUNCEMENT_SCHEDULED, statuses.ANNOUNCEMENT_SENDING
PAUSED, STOPPED = statuses.ANNOUNCEMENT_PAUSED, statuses.ANNOUNCEMENT_STOPPED
DONE = statuses.ANNOUNCEMENT_DONE
PENDING, QUEUED = statuses.DELIVERY_PENDING, statuses.DELIVERY_QUEUED
SENT, HELD = statuses.DELIVERY_SENT, statuses.DELIVERY_HELD
UNREACHABLE, FAILED = statuses.DELIVERY_UNREACHABLE, statuses.DELIVERY_FAILED
EXPIRED, SKIPPED = statuses.DELIVERY_EXPIRED, statuses.DELIVERY_SKIPPED
# Statuses whose deliveries the outbox may still report on.
FOLLOWED = (SENDING, PAUSED, STOPPED, DONE)
EMERGENCY = statuses.ANNOUNCEMENT_EMERGENCY
# The outbox error of a message to someone who blocked the bot (bot/outbox.py).
UNREACHABLE_ERROR = "recipient unreachable"
EXPIRED_ERROR = "announcement expired"
# Residents per UPDATE ... IN (...) when taking deliveries back (a held announcement can
# wait for thousands of WhatsApp residents; SQLite allows 32,766 parameters).
_CHUNK = 500


def dedupe_key(announcement_id: int, citizen_id: int) -> str:
    return f"ann:{announcement_id}:{citizen_id}"


def delivery_of(key: str) -> tuple[int, int] | None:
    """(announcement, citizen) of an outbox message's `dedupe_key`, if it is a delivery's."""
    kind, _, rest = key.partition(":")
    announcement_id, _, citizen_id = rest.partition(":")
    if kind != "ann" or not (announcement_id.isdigit() and citizen_id.isdigit()):
        return None
    return int(announcement_id), int(citizen_id)


def topic(announcement_id: int) -> str:
    return f"ann:{announcement_id}"


def audience_of(announcement: Announcement) -> Audience:
    """Who an announcement reaches; Darurat reaches everyone, opted out or not."""
    chosen: dict[str, Any] = announcement.audience or {}
    return Audience(
        village_ids=tuple(announcement.village_ids),
        topic=announcement.topic,
        dusun=tuple(chosen.get("dusun", ())),
        rt=tuple(chosen.get("rt", ())),
        everyone=announcement.kind == EMERGENCY,
    )


async def due(session: AsyncSession, now: datetime) -> list[Announcement]:
    """Scheduled announcements whose time has come, Darurat first."""
    found = await session.scalars(
        select(Announcement)
        .where(Announcement.status == SCHEDULED, Announcement.send_at <= now)
        .order_by((Announcement.kind != EMERGENCY), Announcement.send_at, Announcement.id)
    )
    return list(found)


async def start(session: AsyncSession, announcement: Announcement, now: datetime) -> bool:
    """Make one delivery per resident (one INSERT ... SELECT) and mark it sending, unless
    someone changed it meanwhile (cancelled it): then nothing is made."""
    moved = await session.execute(
        update(Announcement)
        .where(
            Announcement.id == announcement.id,
            Announcement.version == announcement.version,
            Announcement.status == SCHEDULED,
        )
        .values(status=SENDING, started_at=now, version=Announcement.version + 1)
    )
    if not getattr(moved, "rowcount", 0):
        return False
    reached = recipients(audience_of(announcement)).subquery()
    rows = select(
        literal(announcement.id),
        reached.c[0],
        reached.c[1],
        reached.c[3],
        reached.c[4],
        reached.c[2],
        case((reached.c[5], literal(UNREACHABLE)), else_=literal(PENDING)),
    )
    columns = ["announcement_id", "citizen_id", "village_id", "channel", "chat_id", "dusun"]
    table = typing.cast(Table, AnnouncementDelivery.__table__)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Imported here: memory a SQLite deployment never needs.
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        insert: Any = postgresql_insert(table)
    else:
        insert = sqlite_insert(table)
    # SQLite needs the WHERE to tell the SELECT's end from ON CONFLICT.
    statement = insert.from_select([*columns, "status"], rows.where(true()))
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["announcement_id", "citizen_id"])
    )
    return True


async def halt(session: AsyncSession, announcement: Announcement) -> None:
    """A paused or stopped announcement takes back what the outbox has not begun to send
    (queued, or held until the resident writes): those deliveries are pending again on a
    pause (fed anew, under the same key, on resume) and skipped on a stop, as are a stopped
    one's deliveries not yet queued. A message already being sent stays: it may have
    reached its resident."""
    if announcement.status not in (PAUSED, STOPPED):
        return
    # Deleted first, returning what was deleted: a worker that claimed one meanwhile
    # (several workers on PostgreSQL) keeps it, and its delivery follows what it does.
    taken = await session.scalars(
        delete(OutboxMessage)
        .where(
            OutboxMessage.topic == topic(announcement.id),
            OutboxMessage.status.in_((outbox.PENDING, outbox.WAITING)),
        )
        .returning(OutboxMessage.dedupe_key)
        .execution_options(synchronize_session=False)
    )
    citizens = [found[1] for key in taken if key and (found := delivery_of(key)) is not None]
    stopped = announcement.status == STOPPED
    mine = AnnouncementDelivery.announcement_id == announcement.id
    for start in range(0, len(citizens), _CHUNK):
        await session.execute(
            update(AnnouncementDelivery)
            .where(
                mine,
                AnnouncementDelivery.citizen_id.in_(citizens[start : start + _CHUNK]),
                AnnouncementDelivery.status.in_((QUEUED, HELD)),
            )
            .values(status=SKIPPED if stopped else PENDING)
            .execution_options(synchronize_session=False)
        )
    if stopped:
        await session.execute(
            update(AnnouncementDelivery)
            .where(mine, AnnouncementDelivery.status == PENDING)
            .values(status=SKIPPED)
            .execution_options(synchronize_session=False)
        )


async def sending(session: AsyncSession) -> list[Announcement]:
    """Announcements being sent, Darurat first, then the oldest."""
    found = await session.scalars(
        select(Announcement)
        .where(Announcement.status == SENDING)
        .order_by((Announcement.kind != EMERGENCY), Announcement.id)
    )
    return list(found)


async def next_pending(
    session: AsyncSession, announcement_ids: Sequence[int], limit: int
) -> Sequence[tuple[AnnouncementDelivery, str]]:
    """The next deliveries to queue of these announcements, in their order, with the
    resident's language.

    Announcement by announcement, so that each takes its deliveries in the order of the
    (announcement, status) index: one query ordering across announcements sorted every
    pending delivery first, 10 ms at 10,000 residents, twice a second.
    """
    found: list[tuple[AnnouncementDelivery, str]] = []
    if limit <= 0:
        return found
    for announcement_id in announcement_ids:
        if len(found) >= limit:
            break
        query = (
            select(AnnouncementDelivery, func.coalesce(ChannelIdentity.locale, "id"))
            .outerjoin(
                ChannelIdentity,
                and_(
                    ChannelIdentity.channel == AnnouncementDelivery.channel,
                    ChannelIdentity.external_id == AnnouncementDelivery.chat_id,
                ),
            )
            .where(
                AnnouncementDelivery.announcement_id == announcement_id,
                AnnouncementDelivery.status == PENDING,
            )
            .order_by(AnnouncementDelivery.id)
            .limit(limit - len(found))
        )
        found += [(row[0], row[1]) for row in await session.execute(query)]
    return found


async def mark_queued(session: AsyncSession, delivery_ids: Sequence[int], now: datetime) -> None:
    await session.execute(
        update(AnnouncementDelivery)
        .where(AnnouncementDelivery.id.in_(delivery_ids), AnnouncementDelivery.status == PENDING)
        .values(status=QUEUED, queued_at=now)
        # The session holds the deliveries just read; matching each against the WHERE
        # clause to update it in place costs more than the UPDATE, and none is read again.
        .execution_options(synchronize_session=False)
    )


def _message() -> Any:
    """The outbox row of a delivery (correlated by the dedupe key)."""
    key = (
        literal("ann:")
        + cast(AnnouncementDelivery.announcement_id, String)
        + literal(":")
        + cast(AnnouncementDelivery.citizen_id, String)
    )
    return OutboxMessage.dedupe_key == key


async def follow(session: AsyncSession, announcement_id: int) -> None:
    """Copy what the outbox knows into the deliveries not yet sent: sent, held,
    unreachable, failed. One UPDATE per move, however many residents; a sent delivery is
    not looked at again here (`follow_report` takes what the app reports about it)."""
    await _follow(session, AnnouncementDelivery.announcement_id == announcement_id, sent_too=False)


async def follow_report(session: AsyncSession, dedupe_key: str) -> None:
    """The app reported on one message (read, or failed after it was taken): if it is an
    announcement's, its delivery follows at once. Looking for such reports among every
    sent delivery instead took tens of milliseconds at 10,000 residents, every time."""
    delivery = delivery_of(dedupe_key)
    if delivery is None:
        return
    announcement_id, citizen_id = delivery
    one = (AnnouncementDelivery.announcement_id == announcement_id) & (
        AnnouncementDelivery.citizen_id == citizen_id
    )
    await _follow(session, one, sent_too=True)


async def _follow(session: AsyncSession, mine: Any, *, sent_too: bool) -> None:
    """The deliveries `mine` follow their outbox messages; with `sent_too` the sent ones
    too (read, failed after all)."""
    matched = _message()

    def outbox_value(column: Any) -> Any:
        return select(column).where(matched).scalar_subquery()

    def outbox_has(*conditions: Any) -> Any:
        return exists().where(matched, *conditions)

    async def move(where: Any, conditions: tuple[Any, ...], **values: Any) -> None:
        """Set `values` on the deliveries `where` their outbox message meets
        `conditions`."""
        await session.execute(
            update(AnnouncementDelivery)
            .where(mine, where, outbox_has(*conditions))
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    await move(
        AnnouncementDelivery.status.in_((QUEUED, HELD)),
        (OutboxMessage.status == outbox.SENT,),
        status=SENT,
        sent_at=outbox_value(OutboxMessage.sent_at),
    )
    after = (QUEUED, HELD, SENT) if sent_too else (QUEUED, HELD)
    if sent_too:
        await move(
            AnnouncementDelivery.read_at.is_(None),
            (OutboxMessage.delivery_state == "read",),
            read_at=outbox_value(OutboxMessage.delivery_state_at),
        )
    failed = OutboxMessage.status == outbox.FAILED
    unreachable = OutboxMessage.last_error == UNREACHABLE_ERROR
    await move(AnnouncementDelivery.status.in_(after), (failed, unreachable), status=UNREACHABLE)
    await move(AnnouncementDelivery.status.in_(after), (failed, ~unreachable), status=FAILED)
    await move(
        AnnouncementDelivery.status == QUEUED,
        (OutboxMessage.status == outbox.WAITING,),
        status=HELD,
    )
    # They wrote: the outbox offers it again.
    await move(
        AnnouncementDelivery.status == HELD,
        (OutboxMessage.status.in_((outbox.PENDING, outbox.SENDING)),),
        status=QUEUED,
    )


async def expire(session: AsyncSession, announcement: Announcement, now: datetime) -> None:
    """Past its validity, what still waits for its resident is not delivered."""
    if announcement.expires_at > now:
        return
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.topic == topic(announcement.id), OutboxMessage.status == outbox.WAITING
        )
        .values(status=outbox.FAILED, last_error=EXPIRED_ERROR)
    )
    await session.execute(
        update(AnnouncementDelivery)
        .where(
            AnnouncementDelivery.announcement_id == announcement.id,
            AnnouncementDelivery.status.in_((HELD, PENDING)),
        )
        .values(status=EXPIRED)
    )


async def any_work(session: AsyncSession, now: datetime, since: datetime) -> bool:
    """Whether an announcement is due to start, or may still see its deliveries change
    (`followed`): without one, a round has nothing to do and takes no write lock."""
    due = (Announcement.status == SCHEDULED) & (Announcement.send_at <= now)
    followed = Announcement.status.in_(FOLLOWED) & (Announcement.expires_at >= since)
    return bool(await session.scalar(select(exists().where(due | followed))))


async def followed(session: AsyncSession, since: datetime) -> list[Announcement]:
    """Announcements whose deliveries may still change (not yet expired a while ago)."""
    found = await session.scalars(
        select(Announcement)
        .where(Announcement.status.in_(FOLLOWED), Announcement.expires_at >= since)
        .order_by(Announcement.id)
    )
    return list(found)


async def counts(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    """Deliveries by status, and "read" for those read."""
    found: dict[str, int] = {}
    for status, n in await session.execute(
        select(AnnouncementDelivery.status, func.count())
        .where(AnnouncementDelivery.announcement_id == announcement_id)
        .group_by(AnnouncementDelivery.status)
    ):
        found[status] = int(n)
    read = await session.scalar(
        select(func.count()).where(
            AnnouncementDelivery.announcement_id == announcement_id,
            AnnouncementDelivery.read_at.is_not(None),
        )
    )
    found["read"] = int(read or 0)
    return found


async def finish(session: AsyncSession, announcement: Announcement, now: datetime) -> bool:
    """Sending with nothing pending or queued: done. Stopped: finished. Conditional on the
    version, so a pause pressed at the same moment wins."""
    left = await session.scalar(
        select(
            exists().where(
                AnnouncementDelivery.announcement_id == announcement.id,
                AnnouncementDelivery.status.in_((PENDING, QUEUED)),
            )
        )
    )
    if left or announcement.status not in (SENDING, STOPPED) or announcement.finished_at:
        return False
    moved = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.version == announcement.version)
        .values(
            status=DONE if announcement.status == SENDING else STOPPED,
            finished_at=now,
            version=Announcement.version + 1,
        )
    )
    return bool(getattr(moved, "rowcount", 0))
