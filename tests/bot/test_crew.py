"""Workers sharing one database: the longest running leads, a silent one is replaced, and
the bot's one Telegram limit is shared by what each says it sent."""

from __future__ import annotations

import asyncio

from bot.crew import SILENT_AFTER, Crew
from flows.engine.types import Reply
from handlers.telegram.limiter import SendWindow
from storage import outbox as outbox_rows
from tests.bot.test_outbox_worker import RecordingSender, worker_for
from tests.helpers import InstantClock


def window(clock: InstantClock) -> SendWindow:
    return SendWindow(30, 1, span=1.0, monotonic=clock.now, sleep=clock.sleep)


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


async def test_workers_share_one_limit_by_what_each_sent_last(core, clock):
    time = InstantClock()
    busy_window, quiet_window = window(time), window(time)
    busy = Crew(core.sessions, clock, busy_window)
    quiet = Crew(core.sessions, clock, quiet_window)
    for _ in range(25):  # an announcement going out from the busy worker
        busy_window.note()
    await busy.beat()
    await quiet.beat()
    for _ in range(5):  # the quiet worker's replies take the rest of the 30
        await quiet_window.wait_for_room(announcement=False)
        quiet_window.note()
    assert time.now() == 1000.0
    # One more must wait until the quiet worker's own messages leave its second, and
    # an announcement there finds no room at all while the busy worker uses 25.
    await quiet_window.wait_for_room(announcement=False)
    assert time.now() >= 1001.0
    busy_window.share(0)
    for _ in range(30):
        busy_window.note()
    await busy.beat()
    await quiet.beat()
    waiting = asyncio.create_task(quiet_window.wait_for_room(announcement=True))
    await asyncio.sleep(0)
    assert not waiting.done()
    quiet_window.share(0)  # the busy worker fell quiet, as its next heartbeat tells
    await asyncio.wait_for(waiting, 1)


async def test_only_the_leader_delivers_announcements(core, clock):
    async with core.sessions() as session, session.begin():
        for priority, chat in ((outbox_rows.BROADCAST, "7001"), (outbox_rows.URGENT, "7002")):
            await outbox_rows.enqueue(
                session,
                channel="telegram",
                chat_id=chat,
                payload=Reply(f"to {chat}").to_payload(),
                now=clock(),
                priority=priority,
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
