"""Announcements over the real PTB client against the fake Bot API: 429 and 403 handled,
the progress card edited, and a resident typing answered while a broadcast goes out."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from storage.models import Announcement, AnnouncementDelivery, ChannelIdentity, OutboxMessage
from tests.bot.test_broadcast import announce, seed
from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser
from tests.handlers.test_telegram import ADMIN, stored


async def finished(db_url: str, within: float = 20.0) -> Announcement:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        [row] = await stored(db_url, Announcement)
        if row.status == "done":
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the announcement did not finish")


def delivered(api: FakeBotApi) -> Counter[str]:
    """Messages each resident's chat took (answered by the Bot API), the admin chat aside."""
    return Counter(
        c.chat_id
        for c in api.calls
        if c.method == "sendMessage" and c.answered and not c.chat_id.startswith("-")
    )


async def test_429_retry_after_is_obeyed_and_403_marks_unreachable(
    bot_api, db_url, balai, core, clock
):
    # Penting, not Biasa: quiet hours (by the real clock) must not hold it.
    clock.now = datetime.now(UTC)
    chats = await seed(core, 5)
    bot_api.blocked = {chats[1]}
    bot_api.throttled = {chats[2]: [1]}
    await balai()
    await announce(core, kind="important")
    await finished(db_url)
    assert delivered(bot_api) == Counter({c: 1 for c in chats if c != chats[1]})
    tries = [c for c in bot_api.calls if c.chat_id == chats[2] and c.method == "sendMessage"]
    assert len(tries) == 2 and not tries[0].answered  # told to wait, then sent once
    statuses = Counter(d.status for d in await stored(db_url, AnnouncementDelivery))
    assert statuses == Counter(sent=4, unreachable=1)
    blocked = [i for i in await stored(db_url, ChannelIdentity) if i.external_id == chats[1]]
    assert blocked[0].unreachable_at is not None
    # One card, edited until it shows the final report.
    final = await bot_api.wait_for(lambda c: c.method == "editMessageText" and "Selesai" in c.text)
    assert len(bot_api.sent_to(ADMIN, "sendMessage")) == 1
    assert "Terkirim: 4" in final.text and "Diblokir / tidak bisa dihubungi: 1" in final.text


async def test_a_resident_typing_during_a_broadcast_is_answered_at_once(
    bot_api, db_url, balai, core, clock
):
    clock.now = datetime.now(UTC)
    chats = set(await seed(core, 40))
    release = asyncio.Event()

    async def slow_broadcast(call: Call) -> None:
        # The broadcast's sends wait until the resident has their answer.
        if call.chat_id in chats:
            await release.wait()

    bot_api.hold = slow_broadcast
    await balai()
    await announce(core, kind="important")
    await bot_api.wait_for(lambda c: c.chat_id in chats)
    rudi = TelegramUser(bot_api, 9001, "Rudi")
    replies = await rudi.says("/start")
    assert replies, "the resident was not answered"
    assert not set(delivered(bot_api)) & chats  # the broadcast is still going out
    release.set()
    await finished(db_url)
    assert delivered(bot_api) == Counter({c: 1 for c in chats} | {"9001": len(replies)})


async def test_paid_broadcasts_are_asked_for_only_when_chosen(bot_api, db_url, balai, core, clock):
    clock.now = datetime.now(UTC)
    chats = set(await seed(core, 3))
    await balai(BALAI_TELEGRAM_PAID_BROADCAST="true")
    await announce(core, kind="important")
    await finished(db_url)
    sends = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert {c.chat_id for c in sends if c.params.get("allow_paid_broadcast")} == chats
    assert all(not c.params.get("allow_paid_broadcast") for c in bot_api.sent_to(ADMIN))


async def test_a_restart_mid_broadcast_sends_no_one_twice(bot_api, db_url, balai, core, clock):
    clock.now = datetime.now(UTC)
    chats = await seed(core, 20)

    async def telegram_goes_down(call: Call) -> None:
        # Halfway through, Telegram answers 502 to everything: the rest waits to retry.
        if call.chat_id in chats and len(delivered(bot_api)) >= 10:
            bot_api.down = True

    bot_api.hold = telegram_goes_down
    stop = await balai()
    await announce(core, kind="important")
    deadline = time.monotonic() + 20
    while not (bot_api.down and await nothing_being_sent(db_url)):
        assert time.monotonic() < deadline, "the broadcast did not get halfway"
        await asyncio.sleep(0.02)
    await stop()
    first_run = delivered(bot_api)  # starting again clears the record of calls
    assert len(first_run) == 10
    [row] = await stored(db_url, Announcement)
    assert row.status == "sending"
    bot_api.down = False
    bot_api.hold = None
    await balai()
    await finished(db_url)
    assert first_run + delivered(bot_api) == Counter({chat: 1 for chat in chats})


async def nothing_being_sent(db_url: str) -> bool:
    """Every announcement delivery in the outbox waits for a later retry (none in flight)."""
    rows = [m for m in await stored(db_url, OutboxMessage) if m.topic]
    return (
        bool(rows)
        and all(m.status in ("sent", "pending") for m in rows)
        and all(m.status == "sent" or m.attempts > 0 for m in rows)
    )


async def test_a_429_on_an_announcement_leaves_a_resident_typing_answered(
    bot_api, db_url, balai, core, clock
):
    clock.now = datetime.now(UTC)
    chats = await seed(core, 10)
    # Telegram asks for a long wait on one announcement: PTB's limiter, retrying it, would
    # hold every call of the bot that long, the resident's answer too.
    bot_api.throttled = {chats[0]: [30]}
    await balai()
    await announce(core, kind="important")
    await bot_api.wait_for(lambda c: c.chat_id == chats[0])
    rudi = TelegramUser(bot_api, 9001, "Rudi")
    replies = await asyncio.wait_for(rudi.says("/start"), 10)
    assert replies, "the resident was not answered"
    waiting = [m for m in await stored(db_url, OutboxMessage) if m.chat_id == chats[0]]
    assert [m.status for m in waiting] == ["pending"]  # to be tried again after the wait
    assert "retry after 30" in (waiting[0].last_error or "")


async def test_a_reply_queued_during_a_broadcast_goes_before_the_deliveries_already_taken(
    bot_api, db_url, balai, core, clock
):
    clock.now = datetime.now(UTC)
    chats = set(await seed(core, 40))
    rudi = TelegramUser(bot_api, 9001, "Rudi")
    answered = asyncio.Event()

    async def held_until_rudi_was_answered(call: Call) -> None:
        if call.chat_id in chats:
            await answered.wait()

    def first_reply_to_rudi_fails(call: Call) -> str | None:
        # Telegram has a bad moment: Rudi's answer goes to the outbox to be sent again.
        first = call.chat_id == "9001" and not bot_api.sent_to("9001")[:-1]
        return "500" if first else None

    bot_api.hold = held_until_rudi_was_answered
    bot_api.chaos = first_reply_to_rudi_fails
    await balai()
    await announce(core, kind="important")
    # The outbox worker has taken a batch of deliveries and is sending the first.
    await bot_api.wait_for(lambda c: c.chat_id in chats)
    await rudi.says("/start")
    assert [f for f, _ in bot_api.faults] == ["500"]
    answered.set()
    answer = await bot_api.wait_for(lambda c: c.chat_id == "9001" and c.answered)
    before = [c for c in bot_api.calls[: bot_api.calls.index(answer)] if c.chat_id in chats]
    assert len(before) == 1  # only the one in flight when Rudi's answer was queued
    await finished(db_url)
    assert delivered(bot_api) == Counter({c: 1 for c in chats} | {"9001": 1})


async def test_a_photo_announcement_is_one_message_with_its_text_and_buttons(
    bot_api, db_url, balai, core, clock
):
    clock.now = datetime.now(UTC)
    chats = set(await seed(core, 2))
    ann = await announce(core, kind="important")
    async with core.sessions() as session, session.begin():
        row = await session.get(Announcement, ann)
        row.media_ref, row.media_kind = "AgACAgIAAxkBAAIBposyandu", "photo"
    await balai()
    await finished(db_url)
    to_residents = [c for c in bot_api.calls if not c.chat_id.startswith("-")]
    assert {c.chat_id for c in to_residents} == chats
    assert {c.method for c in to_residents} == {"sendPhoto"}  # no second call to fail
    assert len(to_residents) == 2
    first = to_residents[0]
    assert "Posyandu hari Sabtu" in first.params["caption"]
    assert "✅ Sudah saya baca" in [b["text"] for b in first.buttons()]
