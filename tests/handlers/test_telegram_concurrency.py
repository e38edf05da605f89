"""Many people at once on Telegram: each person's order kept, nobody held up by others."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import make_url

from storage.models import AuditEntry, Citizen
from tests import postgres
from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser
from tests.handlers.test_telegram import ADMIN, FEMALE_NIK, stored
from tests.helpers import fill_registration

NAMES = (
    "Siti Aminah",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Salim",
    "Rina Wati",
    "Joko Susilo",
    "Sri Rahayu",
    "Eko Prasetyo",
    "Nur Hidayah",
    "Wahyu Hidayat",
    "Lina Marlina",
    "Bambang Irawan",
)


def nik_for(number: int) -> str:
    """A valid NIK of Sukamaju's district, different for each person."""
    return f"{FEMALE_NIK[:12]}{number + 1:04d}"


async def handled(api: FakeBotApi, update_ids: list[int], within: float = 20.0) -> None:
    await asyncio.gather(*(api.wait_handled(u, within) for u in update_ids))


async def _hold_write_lock(db_url: str) -> Callable[[], Awaitable[None]]:
    """Take the database's write lock from another session; gives back its release."""
    if db_url.startswith("postgresql"):
        other = await postgres.holding_lock(
            db_url, "LOCK TABLE channel_identities IN EXCLUSIVE MODE"
        )
        return other.close
    # Taken in a thread: waiting for it must not stop Balai's event loop, run by this one.
    database = sqlite3.connect(make_url(db_url).database or "", check_same_thread=False)
    await asyncio.to_thread(database.execute, "BEGIN IMMEDIATE")

    async def release() -> None:
        database.rollback()
        database.close()

    return release


async def test_each_persons_answers_land_in_order_while_many_type_at_once(bot_api, db_url, balai):
    await balai()
    people = [TelegramUser(bot_api, 2000 + i, name.split()[0]) for i, name in enumerate(NAMES)]
    await asyncio.gather(*(fill_registration(p, until="name") for p in people))
    # Replies to some chats take far longer than to others, at random.
    delays = random.Random(7)  # noqa: S311 (test timing, not secrets)

    async def uneven_network(call: Call) -> None:
        if call.method == "sendMessage":
            await asyncio.sleep(delays.choice((0.0, 0.0, 0.01, 0.05, 0.12)))

    bot_api.hold = uneven_network
    # Everyone types the rest of the form at once, without waiting for the questions.
    bursts = {
        person.user_id: [NAMES[i], nik_for(i), "Krajan", "003/005", f"08123456{i:04d}"]
        for i, person in enumerate(people)
    }
    pushed: dict[int, list[int]] = {p.user_id: [] for p in people}
    for turn in range(5):
        for person in people:
            update = person.text_update(bursts[person.user_id][turn])
            pushed[person.user_id].append(bot_api.push(update))
    await handled(bot_api, [u for ids in pushed.values() for u in ids])

    for i, person in enumerate(people):
        answers = [
            [c.text for c in bot_api.sent_to(person.chat) if c.answering == update_id]
            for update_id in pushed[person.user_id]
        ]
        # Each answer was taken at its own step: one message, the next question.
        assert [len(a) for a in answers] == [1] * 5
        for step, answer in zip((4, 5, 6, 7), answers, strict=False):
            assert answer[0].startswith(f"📝 Pendaftaran · Langkah {step} dari 7"), answer
        summary = answers[4][0]
        assert NAMES[i] in summary and nik_for(i) in summary, summary


async def test_a_strangers_flood_of_presses_holds_up_no_resident(bot_api, db_url, balai):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await fill_registration(siti)
    card = await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == str(ADMIN))
    verify = next(b for b in card.buttons() if "Verifikasi" in b["text"])
    stranger = TelegramUser(bot_api, 6666, "Orang", chat_id=ADMIN)
    # Telegram is slow to take the stranger's answers: were anyone else's replies queued
    # behind them, nobody would be answered until they are released.
    released = asyncio.Event()

    async def stuck_for_the_stranger(call: Call) -> None:
        if str(call.params.get("callback_query_id", "")).startswith("cb6666-"):
            await released.wait()

    bot_api.hold = stuck_for_the_stranger
    presses = [
        bot_api.push(stranger.press_update(verify["callback_data"], card.message_id or 0))
        for _ in range(40)
    ]
    residents = [TelegramUser(bot_api, 3000 + i, f"Warga{i}") for i in range(10)]
    answers = await asyncio.gather(*(r.says("/start") for r in residents))
    assert all(any("Daftar" in b["text"] for c in a for b in c.buttons()) for a in answers)
    # Everyone was answered while every one of the stranger's presses was still stuck.
    assert bot_api.handled is not None and not bot_api.handled & set(presses)

    released.set()
    await handled(bot_api, presses)
    toasts = [c for c in bot_api.calls if c.method == "answerCallbackQuery" and c.answering]
    refused = [c for c in toasts if c.answering in presses]
    assert len(refused) == 40
    assert all("hanya untuk petugas" in c.params["text"].lower() for c in refused)
    # Not one message to the officials' group for all that, and one membership question.
    assert [c for c in bot_api.sent_to(ADMIN) if c.answering in presses] == []
    asked = [c for c in bot_api.calls if c.method == "getChatMember"]
    assert [c.params["user_id"] for c in asked] == ["6666"]
    refusals = [e for e in await stored(db_url, AuditEntry) if e.outcome == "refused"]
    assert len(refusals) == 40
    assert (await stored(db_url, Citizen))[0].verified_at is None


async def test_a_press_is_answered_before_the_database_work_and_before_the_reply(
    bot_api, db_url, balai
):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await siti.says("/start")
    call, button = siti.find_button("Daftar")
    spinner_stopped_first: list[bool] = []

    async def slow_answers(sent: Call) -> None:
        if sent.method == "answerCallbackQuery":
            await asyncio.sleep(0.2)
        elif sent.method == "sendMessage" and sent.chat_id == "1001":
            answers = [c for c in bot_api.calls if c.method == "answerCallbackQuery"]
            spinner_stopped_first.append(bool(answers) and all(c.answered for c in answers))

    bot_api.hold = slow_answers
    # Someone else holds the database's write lock (on PostgreSQL: every person's account,
    # which each message's transaction locks first): the press must be answered anyway.
    release = await _hold_write_lock(db_url)
    try:
        update_id = bot_api.push(siti.press_update(button["callback_data"], call.message_id or 0))
        await bot_api.wait_for(lambda c: c.method == "answerCallbackQuery", within=3)
        assert not [c for c in bot_api.sent_to(1001) if c.answering == update_id]
    finally:
        await release()
    await bot_api.wait_handled(update_id)
    assert spinner_stopped_first and all(spinner_stopped_first)


async def test_double_tap_on_save_makes_one_resident_and_one_card(bot_api, db_url, balai):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await fill_registration(siti, until="save")
    call, button = siti.find_button("Simpan")
    taps = [
        bot_api.push(siti.press_update(button["callback_data"], call.message_id or 0))
        for _ in range(5)
    ]
    await handled(bot_api, taps)
    assert len(await stored(db_url, Citizen)) == 1
    await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == str(ADMIN))
    cards = [c for c in bot_api.sent_to(ADMIN, "sendMessage") if "Verifikasi" in str(c.buttons())]
    assert len(cards) == 1


async def test_an_officials_quick_presses_on_two_cards_both_count(bot_api, db_url, balai):
    await balai()
    siti, budi = TelegramUser(bot_api, 1001, "Siti"), TelegramUser(bot_api, 1002, "Budi")
    await fill_registration(siti)
    await fill_registration(budi, name="Budi Santoso", nik=nik_for(5))
    await bot_api.wait_for(lambda c: len(bot_api.sent_to(ADMIN, "sendMessage")) >= 2)
    cards = bot_api.sent_to(ADMIN, "sendMessage")
    bot_api.members[(str(ADMIN), "9001")] = "administrator"
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    presses = []
    for card in cards:
        verify = next(b for b in card.buttons() if "Verifikasi" in b["text"])
        # The second card is double-tapped as well.
        for _ in range(1 if card is cards[0] else 2):
            update = sekdes.press_update(verify["callback_data"], card.message_id or 0)
            presses.append(bot_api.push(update))
    await handled(bot_api, presses)
    assert all(c.verified_at is not None for c in await stored(db_url, Citizen))
    done = [e for e in await stored(db_url, AuditEntry) if e.outcome == "done"]
    assert len(done) == 2
