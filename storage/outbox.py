"""The outbox: messages for other chats, written in the transaction that caused them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statuses
from storage.models import OutboxMessage
from storage.upsert import insert_all_ignoring

PENDING, SENDING, SENT = statuses.MESSAGE_PENDING, statuses.MESSAGE_SENDING, statuses.MESSAGE_SENT
FAILED = statuses.MESSAGE_FAILED
# Held until the person writes again (their app allows no message now): no attempt spent.
WAITING = statuses.MESSAGE_WAITING
# Delivery statuses a chat app reports after a send, in the order they can only advance.
DELIVERY_RANKS = statuses.DELIVERY_RANKS
# Priorities (lower first): cards and notifications, then Darurat deliveries, then the
# other announcements' deliveries.
URGENT, EMERGENCY_BROADCAST, BROADCAST = 0, 1, 2
# A message claimed by a worker that died is offered again after this long.
CLAIM_TIMEOUT = timedelta(minutes=2)
# Officials' cards in admin chats, by how their messages' dedupe keys begin: a case's card
# ("case-card:<case>", its edits "case-card:<case>:v<version>:...") and a resident's (a new
# card for each version, "citizen-card:<citizen>:<version>"). A card's messages share a
# `card` ("case-card:12", "citizen-card:5"), looked up by equality, never by a LIKE prefix.
CASE_CARD_PREFIX, CITIZEN_CARD_PREFIX = "case-card:", "citizen-card:"
CARD_PREFIXES = (CASE_CARD_PREFIX, CITIZEN_CARD_PREFIX)


def card_of(dedupe_key: str | None) -> str | None:
    """The card a message with this key is part of ("case-card:12"), if any."""
    for prefix in CARD_PREFIXES:
        if dedupe_key is not None and dedupe_key.startswith(prefix):
            return prefix + dedupe_key.removeprefix(prefix).partition(":")[0]
    return None


def row(
    *,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    topic: str | None = None,
    priority: int = URGENT,
) -> dict[str, Any]:
    """A message as `enqueue` stores it."""
    replaces = payload.get("replaces_key")
    return {
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "topic": topic,
        "priority": priority,
        # Derived here, for every caller alike: the lookups below find rows by them.
        "card": card_of(dedupe_key),
        "replaces": replaces if isinstance(replaces, str) else None,
    }


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue messages (`row`s), in one statement however many; one with a `dedupe_key`
    already queued (by this transaction or another, even one committing at this moment) is
    not queued again. A NULL key conflicts with nothing: such messages are always queued."""
    if rows:
        await insert_all_ignoring(session, OutboxMessage, rows, ("dedupe_key",))


async def claim_due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    busy: Collection[tuple[str, str]] = (),
    most: int | None = None,
    claim_for: timedelta = CLAIM_TIMEOUT,
) -> tuple[list[OutboxMessage], bool]:
    """Take the oldest due message of each chat not `busy` (up to `limit` chats), the
    chats whose message has the highest priority first.

    One per chat, so one busy chat (a group Telegram lets Balai write to only every few
    seconds) never holds up the others. Also says whether a busy (channel, chat) has a
    message due. On PostgreSQL `SKIP LOCKED` lets several workers share the table;
    SQLite has one writer. `most`: only messages of that priority or more urgent. A
    claimed message is offered again after `claim_for`, if its worker died meanwhile.
    """
    # A SENDING row whose claim ran out belongs to a worker that died mid-delivery.
    due = [OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now]
    if most is not None:
        due.append(OutboxMessage.priority <= most)
    heads = (
        select(func.min(OutboxMessage.id))
        .where(*due)
        .group_by(OutboxMessage.channel, OutboxMessage.chat_id)
    )
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(heads))
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit + len(busy))
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[OutboxMessage] = []
    waiting = False
    for message in await session.scalars(query):
        if (message.channel, message.chat_id) in busy:
            waiting = True
            continue
        message.status = SENDING
        message.next_attempt_at = now + claim_for
        claimed.append(message)
        if len(claimed) == limit:
            break
    return claimed, waiting


_OUTBOX = cast(Table, OutboxMessage.__table__)
# Built once, on the table rather than the mapped class: the outbox runs it for every
# message it sends, and building an ORM UPDATE took longer than running it.
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("message_id"))
    .values(
        status=SENT,
        sent_at=bindparam("now"),
        attempts=bindparam("attempts"),
        external_message_id=bindparam("external_id"),
        last_error=None,
        # A new delivery: statuses of an earlier one (by its old id) no longer apply.
        delivery_state=None,
        delivery_rank=None,
        delivery_state_at=None,
    )
)


async def mark_sent(
    session: AsyncSession, message_id: int, now: datetime, attempts: int, external_id: str | None
) -> None:
    await session.execute(
        _MARK_SENT,
        {"message_id": message_id, "now": now, "attempts": attempts, "external_id": external_id},
    )


# The last_error of a message kept until the person writes again for want of a way to
# reach them now (outside WhatsApp's window, no template for it).
HELD_NOTE = "waiting for the person to write again"


async def hold(session: AsyncSession, message_id: int, attempts: int | None) -> None:
    """Keep a message until the person writes again (`wake`)."""
    values: dict[str, Any] = {"status": WAITING, "last_error": HELD_NOTE}
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def fail_sent(session: AsyncSession, message_id: int, error: str) -> None:
    """A message the app took, then reported as not delivered."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == SENT)
        .values(status=FAILED, last_error=error[:300])
    )


async def topic_of(session: AsyncSession, message_id: int) -> str | None:
    return await session.scalar(select(OutboxMessage.topic).where(OutboxMessage.id == message_id))


async def wake(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> int:
    """The person wrote: their held messages are due now. Returns how many there were.

    One conditional UPDATE: with nothing held it matches no row and writes nothing.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == WAITING,
        )
        .values(status=PENDING, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def record_delivery(
    session: AsyncSession, channel: str, external_id: str, state: str, at: datetime
) -> tuple[str, str, int, str | None] | None:
    """Record a status the app reported for a sent message, unless a later one already is
    (a late "delivered" after "read" changes nothing). One conditional update, so two
    webhooks racing cannot move it backwards.

    Returns (chat id, dedupe key, id, topic) of the message when the status was recorded.
    """
    rank = DELIVERY_RANKS.get(state)
    if rank is None:
        return None
    where = (
        OutboxMessage.channel == channel,
        OutboxMessage.external_message_id == external_id,
        OutboxMessage.status == SENT,
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(*where, func.coalesce(OutboxMessage.delivery_rank, 0) < rank)
        .values(delivery_state=state, delivery_rank=rank, delivery_state_at=at)
    )
    if not getattr(result, "rowcount", 0):
        return None
    row = (
        await session.execute(
            select(
                OutboxMessage.chat_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.id,
                OutboxMessage.topic,
            ).where(*where)
        )
    ).first()
    return (row[0], row[1] or "", row[2], row[3]) if row is not None else None


async def held_about(session: AsyncSession, topic: str) -> bool:
    """Whether a message about `topic` waits for its reader to write again."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.topic == topic, OutboxMessage.status == WAITING)
        .limit(1)
    )
    return found is not None


async def reschedule(
    session: AsyncSession, message_id: int, at: datetime, attempts: int, error: str
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=PENDING, next_attempt_at=at, attempts=attempts, last_error=error[:300])
    )


async def release(session: AsyncSession, message_ids: Collection[int], now: datetime) -> None:
    """Give claimed messages back unsent, due again at once; no attempt is spent."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == SENDING)
        .values(status=PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


async def mark_failed(session: AsyncSession, message_id: int, attempts: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=FAILED, attempts=attempts, last_error=error[:300])
    )


async def state_of(session: AsyncSession, dedupe_key: str) -> tuple[str, str | None] | None:
    """(status, channel message id) of an earlier message, by its dedupe key."""
    row = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.external_message_id).where(
                OutboxMessage.dedupe_key == dedupe_key
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def card_of_sent(
    session: AsyncSession, channel: str, chat_id: str, external_id: str, card_prefix: str
) -> str | None:
    """The card (one starting with `card_prefix`) a delivered message belongs to, by the
    message's id in the chat app."""
    found = await session.scalars(
        select(OutboxMessage.card).where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.external_message_id == external_id,
            OutboxMessage.card.is_not(None),
        )
    )
    # A message and its edits share one id in the chat app: a handful of rows at most.
    return next((card for card in found if card and card.startswith(card_prefix)), None)


async def newer_sent(session: AsyncSession, replaces: str, message_id: int) -> bool:
    """Whether a later edit of the message keyed `replaces` was already delivered."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.replaces == replaces,
            OutboxMessage.id > message_id,
            OutboxMessage.status == SENT,
        )
        .limit(1)
    )
    return found is not None


async def scrub(session: AsyncSession, card: str, payload: dict[str, Any]) -> None:
    """Replace the stored content of a card's messages (e.g. a deleted resident's cards)."""
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.card == card).values(payload=payload)
    )


async def keys_of_card(session: AsyncSession, card: str) -> list[str]:
    """The dedupe keys of a card's messages."""
    found = await session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.card == card)
    )
    return [key for key in found if key is not None]


async def backlog(session: AsyncSession, at_least_priority: int, now: datetime) -> int:
    """How many messages of this priority or lower are due to be sent now or being sent
    (one backing off after an error does not hold a place)."""
    found = await session.scalar(
        select(func.count()).where(
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.priority >= at_least_priority,
            (OutboxMessage.status == SENDING) | (OutboxMessage.next_attempt_at <= now),
        )
    )
    return int(found or 0)


async def dead_letters(session: AsyncSession, limit: int = 200) -> list[OutboxMessage]:
    """Messages given up on (failed for good, or reported failed), oldest first."""
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == FAILED)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(found)


async def retry_dead(session: AsyncSession, now: datetime, message_id: int | None = None) -> int:
    """Put dead letters (one, or all with None) back as due now, with fresh attempts.

    One conditional UPDATE: a row the worker already took again is left as it is.
    """
    query = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    result = await session.execute(
        query.values(status=PENDING, next_attempt_at=now, attempts=0, delivery_state=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_delivered(session: AsyncSession, before: datetime, batch: int) -> int:
    """Delete up to `batch` messages delivered before `before`; return how many.

    Officials' cards stay: later messages still refer to them (a card edited or replied
    to months later, a resident deleting their data). Undelivered and dead rows stay.
    """
    chosen = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == SENT,
            OutboxMessage.sent_at < before,
            OutboxMessage.card.is_(None),
        )
        .limit(batch)
    )
    # Ids first, then the delete: the same SQL on SQLite and PostgreSQL (no DELETE ... LIMIT).
    ids = list(await session.scalars(chosen))
    if not ids:
        return 0
    # Still delivered: a late "failed" report may have turned one into a dead letter.
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == SENT)
    )
    return int(getattr(result, "rowcount", 0) or 0)
