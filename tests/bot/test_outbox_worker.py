"""The outbox worker: delivery, pacing decisions, retry_after, blocked people, restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from itertools import pairwise

from bot.outbox import MAX_ATTEMPTS, MAX_BACKOFF, OutboxWorker
from flows.engine.delivery import (
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
)
from flows.engine.types import Reply
from storage.models import ChannelIdentity
from tests.helpers import InstantClock, Person, outbox, register, rows


class RecordingSender:
    """Records deliveries; can be told to fail the next sends in a given way."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    async def send(
        self, chat_id: str, reply: Reply, *, reply_to=None, thread_id=None, village=None
    ) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, reply.text))
        return str(len(self.sent))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        self.sent.append((chat_id, f"edit {message_id}: {reply.text}"))
        return message_id


def worker_for(core, sender, clock, pacing: InstantClock | None = None) -> OutboxWorker:
    """A worker whose pacing waits cost no real time (the decisions are the real ones)."""
    pacing = pacing or InstantClock()
    return OutboxWorker(
        core.sessions, {"telegram": sender}, clock, monotonic=pacing.now, sleep=pacing.sleep
    )


async def test_card_is_delivered_once(core, clock):
    await register(Person(core))
    sender = RecordingSender()
    worker = worker_for(core, sender, clock)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert [chat for chat, _ in sender.sent] == ["-1001000000001"]
    [message] = await outbox(core)
    assert message.status == "sent" and message.external_message_id == "1"


async def test_retry_after_is_obeyed_without_costing_an_attempt(core, clock):
    await register(Person(core))
    sender = RecordingSender()
    sender.failures.append(RetryLater(30))
    worker = worker_for(core, sender, clock)
    await worker.run_once()
    clock.advance(seconds=29)
    assert await worker.run_once() == 0  # not before Telegram said
    clock.advance(seconds=2)
    await worker.run_once()
    [message] = await outbox(core)
    assert message.status == "sent" and message.attempts == 1


async def test_a_telegram_outage_of_hours_costs_no_message(core, clock):
    await register(Person(core))
    sender = RecordingSender()
    worker = worker_for(core, sender, clock)
    back_at = clock() + timedelta(hours=6)
    tried_at = []
    while not sender.sent:
        sender.failures = [TransientFailure("Bad Gateway")] if clock() < back_at else []
        assert await worker.run_once() == 1
        tried_at.append(clock())
        [message] = await outbox(core)
        clock.now = max(clock.now, message.next_attempt_at.replace(tzinfo=UTC))
    [message] = await outbox(core)
    assert message.status == "sent" and message.attempts == len(tried_at)
    # Tried again after 1 s, then less and less often: every 10 minutes at most.
    gaps = [later - earlier for earlier, later in pairwise(tried_at)]
    assert gaps[0] <= timedelta(seconds=2) and max(gaps) <= MAX_BACKOFF + timedelta(seconds=1)
    assert tried_at[-1] - back_at <= MAX_BACKOFF + timedelta(seconds=1)


async def test_transient_errors_back_off_then_give_up(core, clock):
    await register(Person(core))
    sender = RecordingSender()
    sender.failures.extend(TransientFailure("timeout") for _ in range(MAX_ATTEMPTS))
    worker = worker_for(core, sender, clock)
    for _ in range(MAX_ATTEMPTS):
        clock.advance(minutes=11)
        await worker.run_once()
    [message] = await outbox(core)
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert sender.sent == []


async def test_blocked_person_is_marked_unreachable_until_they_write_again(core, clock, officials):
    siti = Person(core)
    await register(siti)
    officials.members.add(("-1001000000001", "9001"))
    sender = RecordingSender()
    worker = worker_for(core, sender, clock)
    await worker.run_once()  # the card
    [card] = await outbox(core)
    await Person(core, "9001", "Pak Sekdes", chat="-1001000000001").presses(
        card.payload["buttons"][0][0][1]
    )
    sender.failures.append(RecipientUnreachable("bot was blocked by the user"))
    clock.advance(seconds=5)
    await worker.run_once()
    [identity] = [i for i in await rows(core, ChannelIdentity) if i.external_id == "1001"]
    assert identity.unreachable_at is not None
    await siti.says("/start")
    [identity] = [i for i in await rows(core, ChannelIdentity) if i.external_id == "1001"]
    assert identity.unreachable_at is None


async def test_permanent_failure_is_a_dead_letter(core, clock):
    await register(Person(core))
    sender = RecordingSender()
    sender.failures.append(PermanentFailure("chat not found"))
    await worker_for(core, sender, clock).run_once()
    [message] = await outbox(core)
    assert message.status == "failed" and "chat not found" in (message.last_error or "")


async def test_message_claimed_by_a_dead_worker_is_delivered_after_restart(core, clock):
    await register(Person(core))
    from storage import outbox as outbox_rows

    async with core.sessions() as session, session.begin():
        await outbox_rows.claim_due(session, clock(), 10)  # a worker took it, then died
    sender = RecordingSender()
    worker = worker_for(core, sender, clock)
    assert await worker.run_once() == 0
    clock.advance(minutes=3)
    assert await worker.run_once() == 1
    assert len(sender.sent) == 1


async def test_card_edit_waits_for_the_card_and_old_edits_are_dropped(core, clock):
    """Regression: an edit delivered before its card posted a second card."""
    from flows.engine.delivery import queue
    from flows.engine.types import Outbound

    async def card_update(text: str, n: int) -> None:
        async with core.sessions() as session, session.begin():
            await queue(
                session,
                Outbound(
                    "telegram", "-100", Reply(text), dedupe_key=f"card:1:{n}", replaces_key="card:1"
                ),
                clock(),
            )

    async with core.sessions() as session, session.begin():
        await queue(
            session, Outbound("telegram", "-100", Reply("card v1"), dedupe_key="card:1"), clock()
        )
    await card_update("card v2", 2)
    await card_update("card v3", 3)
    sender = RecordingSender()
    sender.failures.append(TransientFailure("timeout"))  # the card itself fails once
    worker = worker_for(core, sender, clock)
    await worker.run_once()
    assert sender.sent == []  # edits wait for the card
    clock.advance(seconds=5)
    await worker.run_once()
    clock.advance(seconds=5)
    await worker.run_once()
    clock.advance(seconds=5)
    await worker.run_once()
    texts = [text for _, text in sender.sent]
    assert texts[0] == "card v1"
    assert texts[-1].endswith("card v3")
    assert not any(t.startswith("card v1") for t in texts[1:])  # never a second card


async def test_pacing_keeps_a_second_per_chat_three_per_group_and_thirty_per_second(core, clock):
    """Telegram's limits: 1 message/s to one chat, one per 3 s to a group, 30/s overall;
    a chat waiting its turn holds up nobody else."""
    from flows.engine.delivery import queue
    from flows.engine.types import Outbound

    pacing = InstantClock()
    sent_at: list[tuple[str, float]] = []
    all_sent = asyncio.Event()

    class TimedSender(RecordingSender):
        async def send(self, chat_id, reply, *, reply_to=None, thread_id=None, village=None):
            sent_at.append((chat_id, pacing.now()))
            if len(sent_at) == 5:
                all_sent.set()
            return await super().send(chat_id, reply)

    async with core.sessions() as session, session.begin():
        for chat in ("1001", "-100", "1001", "-100", "2002"):
            await queue(session, Outbound("telegram", chat, Reply(f"to {chat}")), clock())
    start = pacing.now()
    stop = asyncio.Event()
    running = asyncio.create_task(worker_for(core, TimedSender(), clock, pacing).run(stop))
    await asyncio.wait_for(all_sent.wait(), 10)
    stop.set()
    await running
    at = [(chat, round(t - start, 3)) for chat, t in sent_at]
    assert at == [
        ("1001", 0.0),
        ("-100", 0.033),  # another chat: only the overall 1/30 s
        ("2002", 0.067),  # not held up by the chats that must wait their turn
        ("1001", 1.0),  # the same private chat: a second after its last message
        ("-100", 3.033),  # the same group: three seconds after its last message
    ]


async def test_a_chat_waiting_its_turn_does_not_hold_up_a_message_queued_meanwhile(core, clock):
    """The worker waits out a group's pace (one message per 3 s), and a card queued for
    another chat meanwhile goes at once, not when the group's turn comes."""
    from flows.engine.delivery import queue
    from flows.engine.types import Outbound

    class TurnsNeverCome(InstantClock):
        """Short pacing waits pass at once; a wait for a chat's turn lasts until cancelled."""

        def __init__(self) -> None:
            super().__init__()
            self.waiting_a_turn = asyncio.Event()

        async def sleep(self, seconds: float) -> None:
            if seconds <= 0.1:
                await super().sleep(seconds)
                return
            self.waiting_a_turn.set()
            await asyncio.Event().wait()

    pacing = TurnsNeverCome()
    sender = RecordingSender()
    async with core.sessions() as session, session.begin():
        for text in ("first", "second"):
            await queue(session, Outbound("telegram", "-100", Reply(text)), clock())
    stop = asyncio.Event()
    worker = worker_for(core, sender, clock, pacing)
    running = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(pacing.waiting_a_turn.wait(), 10)
    assert sender.sent == [("-100", "first")]
    async with core.sessions() as session, session.begin():
        await queue(session, Outbound("telegram", "-200", Reply("a card")), clock())
    worker.wake.set()
    deadline = asyncio.get_running_loop().time() + 10
    while ("-200", "a card") not in sender.sent:
        assert asyncio.get_running_loop().time() < deadline, "the card waited for the group"
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert sender.sent == [("-100", "first"), ("-200", "a card")]
