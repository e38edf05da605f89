"""The outbox worker: delivers queued messages with pacing, retries and dead letters."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery_reports import OnHeld, ReportRecorder
from bot.pacing import Pacer, Sleep
from bot.timers import always
from flows.engine.delivery import (
    TELEGRAM_PACING,
    DeliveryReport,
    HeldUntilWritten,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    Sender,
    TransientFailure,
)
from flows.engine.types import Reply
from storage import inbound, outbox, people
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# A transient failure (a 5xx, a timeout, the connection) is tried again after 1 s, then
# 2, 4, ... up to 10 minutes apart; given up after about a day of that, so an outage of
# Telegram or Meta for hours costs no message (what is left after is a dead letter).
FIRST_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 150
# Telegram's limits: about 1 message/s to one chat, 20/min to a group, 30/s overall.
# Other channels' senders bring their own (flows.engine.delivery.Pacing).
PRIVATE_INTERVAL = TELEGRAM_PACING.private
GROUP_INTERVAL = TELEGRAM_PACING.group
GLOBAL_INTERVAL = TELEGRAM_PACING.overall
# How long an edit or threaded reply waits for the message it refers to.
REFERENCE_WAIT_SECONDS = 2.0

# How often an idle worker looks for due messages. Messages queued in this process wake it
# at once; the look is for retries coming due and for other processes' messages.
IDLE_SECONDS = 2.0

# A chat app that takes messages only within a window after the person last wrote (the
# time is noted at most every few minutes): treat the window as this much shorter.
WINDOW_MARGIN = inbound.TOUCH_EVERY + timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th transient failure a message is tried again."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 s is far past MAX_BACKOFF
    return min(FIRST_BACKOFF * (1 << doublings), MAX_BACKOFF)


class Superseded(Exception):
    """A newer edit of the same message was already delivered."""


class _Claimed(NamedTuple):
    """What a round needs of a claimed message once its transaction is over."""

    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int
    topic: str | None
    error: str | None
    bulk: bool  # an announcement's delivery

    @classmethod
    def of(cls, m: OutboxMessage) -> _Claimed:
        return cls(
            m.id,
            m.channel,
            m.chat_id,
            m.payload,
            m.attempts,
            m.topic,
            m.last_error,
            m.priority > outbox.URGENT,
        )


class OutboxWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        batch: int = 30,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wake: asyncio.Event | None = None,
        claim_for: timedelta = outbox.CLAIM_TIMEOUT,
    ) -> None:
        self._sessions = sessions
        self._claim_for = claim_for
        self._senders = senders
        self._clock = clock
        self._batch = batch
        self._sleep = sleep
        self._pacer = Pacer(monotonic, sleep)
        # Set when a message is queued in this process (announcement deliveries aside): it
        # wakes an idle worker, and stops a round's announcement deliveries so that the
        # message goes before them rather than after up to a whole batch of them.
        self.wake = wake if wake is not None else asyncio.Event()
        # Set when the announcement dispatcher queued deliveries: wakes an idle worker only.
        self.fed = asyncio.Event()
        self.on_held: OnHeld | None = None
        self._reports = ReportRecorder(sessions, clock, self._tell_held)
        # Whether this worker takes announcement deliveries too; of several workers only
        # the leading one does (bot/crew.py), the others cards and notifications.
        self.sends_announcements: Callable[[], bool] = always

    async def run(self, stop: asyncio.Event, idle_seconds: float = IDLE_SECONDS) -> None:
        """Deliver until `stop` is set; `wake` or `fed` cuts the idle wait short."""
        while not stop.is_set():
            try:
                delivered, waiting = await self._round()
            except Exception:
                log.exception("outbox round failed")
                delivered, waiting = 0, False
            if delivered or self.wake.is_set():
                continue
            # Not cleared here: the round did before it looked, so anything set since is new.
            waiters: list[asyncio.Future[object]] = [
                asyncio.ensure_future(e.wait()) for e in (stop, self.wake, self.fed)
            ]
            if waiting:
                # A message is due in a chat that must wait its turn: wait that long (the
                # pacing's own sleep), at most `idle_seconds`, or until a new one comes.
                turn = self._sleep(min(self._pacer.pause(), idle_seconds))
                waiters.append(asyncio.ensure_future(turn))
            timeout = None if waiting else idle_seconds
            await asyncio.wait(waiters, timeout=timeout, return_when="FIRST_COMPLETED")
            for waiter in waiters:
                waiter.cancel()

    async def run_once(self) -> int:
        """Deliver what is due (one message per chat, waiting out the chats' pace if that
        is all that holds them); return how many were handled."""
        delivered, waiting = await self._round()
        while not delivered and waiting:
            await self._sleep(self._pacer.pause())
            delivered, waiting = await self._round()
        return delivered

    async def _round(self) -> tuple[int, bool]:
        """Claim the oldest due message of each chat free to receive, and try each once.

        Returns how many were handled, and whether a chat still waiting its turn has one due.
        """
        self.wake.clear()
        self.fed.clear()
        async with self._sessions() as session, session.begin():
            claimed, waiting = await outbox.claim_due(
                session,
                self._clock(),
                self._batch,
                busy=self._pacer.busy(),
                most=None if self.sends_announcements() else outbox.URGENT,
                claim_for=self._claim_for,
            )
            work = [_Claimed.of(m) for m in claimed]
        for done, m in enumerate(work):
            if m.bulk and self.wake.is_set():
                # A reply or a card was queued meanwhile: it goes before the rest of these.
                async with self._sessions() as session, session.begin():
                    await outbox.release(session, [w.id for w in work[done:]], self._clock())
                return done, waiting
            await self._deliver(m.id, m.channel, m.chat_id, m.payload, m.attempts, bulk=m.bulk)
            if m.topic and m.error == outbox.HELD_NOTE:
                await self._tell_held(m.topic)  # no longer waiting (sent, or failed)
        return len(work), waiting

    async def _deliver(
        self,
        message_id: int,
        channel: str,
        chat_id: str,
        payload: dict[str, Any],
        attempts: int,
        *,
        bulk: bool = False,
    ) -> None:
        reply = Reply.from_payload(payload)
        sender = self._senders.get(channel)
        if sender is None:
            await self._finish(
                message_id, failed=f"no sender for channel {channel}", attempts=attempts
            )
            return
        pacing = getattr(sender, "pacing", TELEGRAM_PACING)
        await self._pacer.wait_turn(channel, chat_id, pacing, bulk=bulk)
        started = self._clock()
        attempts += 1
        try:
            external_id = await self._send_or_edit(
                message_id, sender, channel, chat_id, reply, payload, bulk=bulk
            )
        except HeldUntilWritten:
            # Not the message's fault: it waits, costing no attempt, until they write.
            async with self._sessions() as session, session.begin():
                last = await inbound.last_inbound(session, channel, chat_id)
                if last is not None and last > started:
                    # They wrote while it was being sent: their message found nothing to
                    # wake, so it is tried again now rather than held.
                    await outbox.reschedule(
                        session, message_id, started, attempts - 1, outbox.HELD_NOTE
                    )
                    return
                await outbox.hold(session, message_id, attempts - 1)
                await self._closed(session, sender, channel, chat_id)
                topic = await outbox.topic_of(session, message_id)
            if topic:
                await self._tell_held(topic)
            return
        except Superseded:
            await self._finish(message_id, failed="superseded by a newer edit", attempts=attempts)
            return
        except RecipientUnreachable:
            async with self._sessions() as session, session.begin():
                await outbox.mark_failed(session, message_id, attempts, "recipient unreachable")
                await people.mark_unreachable(session, channel, chat_id, self._clock())
            return
        except RetryLater as exc:
            # Being told to wait is not the message's fault: it costs no attempt.
            when = self._clock() + timedelta(seconds=exc.seconds)
            await self._reschedule(message_id, when, attempts - 1, str(exc))
            return
        except TransientFailure as exc:
            if attempts >= MAX_ATTEMPTS:
                await self._finish(message_id, failed=f"gave up: {exc}", attempts=attempts)
            else:
                when = self._clock() + backoff(attempts)
                await self._reschedule(message_id, when, attempts, str(exc))
            return
        except PermanentFailure as exc:
            await self._finish(message_id, failed=str(exc), attempts=attempts)
            return
        async with self._sessions() as session, session.begin():
            await outbox.mark_sent(session, message_id, self._clock(), attempts, external_id)

    async def _send_or_edit(
        self,
        message_id: int,
        sender: Sender,
        channel: str,
        chat_id: str,
        reply: Reply,
        payload: dict[str, Any],
        *,
        bulk: bool = False,
    ) -> str | None:
        """Edit the earlier message this one replaces, else send (in its thread, if any).

        An edit or a threaded reply waits while the message it refers to is still queued,
        so a card's update never arrives before the card; an edit that a newer one has
        already overtaken is dropped rather than putting the old state back.
        """
        replaces, reply_key = payload.get("replaces_key"), payload.get("reply_to_key")
        async with self._sessions() as session:
            earlier = await outbox.state_of(session, replaces) if replaces else None
            thread = await outbox.state_of(session, reply_key) if reply_key else None
            overtaken = bool(replaces) and await outbox.newer_sent(
                session, str(replaces), message_id
            )
        for referred in (earlier, thread):
            if referred is not None and referred[0] in (outbox.PENDING, outbox.SENDING):
                raise RetryLater(REFERENCE_WAIT_SECONDS)
        if overtaken:
            raise Superseded()
        window: timedelta | None = getattr(sender, "window", None)
        if window is not None and await self._outside(channel, chat_id, window):
            return await self._send_held(sender, chat_id, payload)
        try:
            if bulk and getattr(sender, "send_broadcast", None) is not None:
                # An announcement: a channel may send it its own way (Telegram's paid
                # broadcasts, when the deployment chose them).
                broadcast_id: str | None = await sender.send_broadcast(  # type: ignore[attr-defined]
                    chat_id, reply, village=payload.get("village")
                )
                return broadcast_id
            return await self._send_or_edit_now(sender, chat_id, reply, payload, earlier, thread)
        except HeldUntilWritten:
            # The app says the window closed (our note of the time may be late).
            return await self._send_held(sender, chat_id, payload)

    async def _send_or_edit_now(
        self,
        sender: Sender,
        chat_id: str,
        reply: Reply,
        payload: dict[str, Any],
        earlier: tuple[str, str | None] | None,
        thread: tuple[str, str | None] | None,
    ) -> str | None:
        if earlier is not None and earlier[1] is not None:
            try:
                return await sender.edit(chat_id, earlier[1], reply)
            except PermanentFailure:
                log.info("editing an earlier message failed; sending a new one instead")
        reply_to = thread[1] if thread is not None else None
        return await sender.send(
            chat_id,
            reply,
            reply_to=reply_to,
            thread_id=payload.get("thread_id"),
            village=payload.get("village"),
        )

    async def _outside(self, channel: str, chat_id: str, window: timedelta) -> bool:
        """Whether the person last wrote too long ago for the app to take a message now.
        Unknown (never noted) is tried: the app's answer says it then."""
        async with self._sessions() as session:
            last = await inbound.last_inbound(session, channel, chat_id)
        return last is not None and last < self._clock() - window + WINDOW_MARGIN

    async def _send_held(self, sender: Sender, chat_id: str, payload: dict[str, Any]) -> str | None:
        """The pre-approved text the sender has for this notification, if it has one;
        otherwise HeldUntilWritten."""
        send_held = getattr(sender, "send_held", None)
        if send_held is None or not payload.get("purpose"):
            raise HeldUntilWritten("no pre-approved text for this message")
        values = payload.get("values")
        external_id: str | None = await send_held(
            chat_id,
            payload.get("purpose"),
            values if isinstance(values, dict) else {},
            village=payload.get("village"),
        )
        return external_id

    async def _closed(
        self, session: AsyncSession, sender: Sender, channel: str, chat_id: str
    ) -> None:
        """A message now waits: unless the noted time already says the window is closed,
        the app said so, and the time is forgotten (their next message wakes it)."""
        window: timedelta | None = getattr(sender, "window", None)
        if window is None:
            return
        last = await inbound.last_inbound(session, channel, chat_id)
        if last is not None and last >= self._clock() - window + WINDOW_MARGIN:
            await inbound.forget(session, channel, chat_id)

    async def _tell_held(self, topic: str) -> None:
        if self.on_held is None:
            return
        try:
            await self.on_held(topic)
        except Exception:
            log.exception("telling that a message is held failed")

    async def record_reports(self, channel: str, reports: list[DeliveryReport]) -> None:
        """What the chat app reports later of the messages it took (delivered, read, failed)."""
        await self._reports.record(channel, reports)

    async def _reschedule(self, message_id: int, at: datetime, attempts: int, error: str) -> None:
        async with self._sessions() as session, session.begin():
            await outbox.reschedule(session, message_id, at, attempts, error)

    async def _finish(self, message_id: int, failed: str, attempts: int) -> None:
        log.warning("outbox message %s failed for good: %s", message_id, failed)
        async with self._sessions() as session, session.begin():
            await outbox.mark_failed(session, message_id, attempts, failed)
