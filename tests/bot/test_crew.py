"""Workers sharing one database: the longest running leads, a silent one is replaced, and
the bot's one Telegram limit is shared by what each says it sent."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.crew import HEADROOM, SILENT_AFTER, Crew
from flows.engine.types import Reply
from handlers.telegram.limiter import SendWindow
from storage import outbox as outbox_rows
from storage.models import Worker
from tests.bot.test_outbox_worker import RecordingSender, worker_for


class StillTime:
    """A monotonic clock that moves only when told; a sleep on it only lets others run."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, _seconds: float) -> None:
        await asyncio.sleep(0.001)


def window(time: StillTime) -> SendWindow:
    return SendWindow(30, 1, leeway=0.0, monotonic=time.monotonic, sleep=time.sleep)


async def test_the_longest_running_worker_leads_and_a_silent_one_is_replaced(core, clock):
    first = Crew(core.sessions, clock)
    clock.advance(seconds=1)
    second = Crew(core.sessions, clock)
    await second.beat()
    assert second.leading  # alone so far
    await first.beat()
    await second.beat()
    assert first.leading and not second.leading

    # The leader is killed: no goodbye, only silence. The next in line takes over.
    clock.advance(seconds=SILENT_AFTER.total_seconds() + 1)
    await second.beat()
    assert second.leading


async def test_a_worker_that_stops_hands_over_at_once(core, clock):
    first = Crew(core.sessions, clock)
    clock.advance(seconds=1)
    second = Crew(core.sessions, clock)
    await first.beat()
    await second.beat()
    stop = asyncio.Event()
    stop.set()
    await first.run(stop)  # stops at once, saying goodbye
    assert not first.leading
    await second.beat()
    assert second.leading


async def shares(core) -> dict[str, int]:
    async with core.sessions() as session:
        return {w.id: w.holds for w in await session.scalars(select(Worker))}


async def test_workers_hold_shares_of_one_limit_that_never_add_up_to_more(core, clock):
    time = StillTime()
    busy_window, quiet_window = window(time), window(time)
    busy = Crew(core.sessions, clock, busy_window)
    clock.advance(seconds=1)
    quiet = Crew(core.sessions, clock, quiet_window)

    async def beat(crew: Crew) -> dict[str, int]:
        await crew.beat()
        held = await shares(core)
        assert sum(held.values()) <= 30, held
        return held

    # Alone, the first worker holds the whole limit; the second gets what it leaves,
    # nothing, until the first has lowered its share to a fair one.
    assert (await beat(busy))[busy.id] == 30
    assert (await beat(quiet))[quiet.id] == 0
    reply = asyncio.create_task(quiet_window.wait_for_room(announcement=False))
    await asyncio.sleep(0)
    assert not reply.done()  # nothing to send with before the others were asked
    await beat(busy)
    assert (await beat(quiet)) == {busy.id: 15, quiet.id: 15}
    await asyncio.wait_for(reply, 1)
    quiet_window.note()
    await beat(quiet)  # it tells that a message waited (it did, for the shares)

    # An announcement going out fills the busy worker's share and wants the whole limit:
    # it gets what the quiet worker does not want (what it sent and a few more).
    for _ in range(14):
        busy_window.note(announcement=True)
    waiting = asyncio.create_task(busy_window.wait_for_room(announcement=True))
    await asyncio.sleep(0)
    assert not waiting.done()
    await beat(busy)
    assert (await beat(quiet))[quiet.id] == 1 + HEADROOM
    assert (await beat(busy))[busy.id] == 30 - 1 - HEADROOM
    await asyncio.wait_for(waiting, 1)
    for _ in range(30 - 1 - HEADROOM - 14):
        busy_window.note(announcement=True)

    # Replies come to the quiet worker faster than its share: it wants it all, and
    # gets half once the busy worker's messages of the last second have left it.
    for _ in range(5):
        await quiet_window.wait_for_room(announcement=False)
        quiet_window.note()
    assert quiet_window.count() == 6
    waiting = asyncio.create_task(quiet_window.wait_for_room(announcement=False))
    await asyncio.sleep(0)
    assert not waiting.done()
    await beat(quiet)
    # Lowered no further than what it sent in the last second, which it may not unsend.
    assert (await beat(busy))[busy.id] == 30 - 1 - HEADROOM
    going_on = asyncio.create_task(busy_window.wait_for_room(announcement=True))
    await asyncio.sleep(0.01)
    assert not going_on.done()  # the announcement goes on, wanting the whole limit
    time.now += 1.0
    await beat(busy)
    assert (await beat(quiet))[quiet.id] == 15
    await asyncio.wait_for(waiting, 1)
    await asyncio.wait_for(going_on, 1)

    # The busy worker is killed: once it is taken for dead, its share is free.
    clock.advance(seconds=SILENT_AFTER.total_seconds() + 1)
    await quiet.beat()
    assert (await shares(core))[quiet.id] == 30


async def test_only_the_leader_delivers_announcements(core, clock):
    async with core.sessions() as session, session.begin():
        for priority, chat in ((outbox_rows.BROADCAST, "7001"), (outbox_rows.URGENT, "7002")):
            await outbox_rows.enqueue(
                session,
                [
                    outbox_rows.row(
                        channel="telegram",
                        chat_id=chat,
                        payload=Reply(f"to {chat}").to_payload(),
                        now=clock(),
                        priority=priority,
                    )
                ],
            )
    sender = RecordingSender()
    worker = worker_for(core, sender, clock)
    leading = False
    worker.sends_announcements = lambda: leading
    assert await worker.run_once() == 1
    assert sender.sent == [("7002", "to 7002")]
    leading = True
    assert await worker.run_once() == 1
    assert sender.sent[-1] == ("7001", "to 7001")
