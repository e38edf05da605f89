"""Pengaduan on Telegram: the resident's phone and the officials' group, through real PTB."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import Case
from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser
from tests.helpers import fill_registration, outbox_settled

ADMIN = -1001000000001


async def stored_cases(db_url: str) -> list[Case]:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(Case)))
    await engine.dispose()
    return found


async def registered(
    api: FakeBotApi, user_id: int = 1001, first_name: str = "Siti"
) -> TelegramUser:
    person = TelegramUser(api, user_id, first_name)
    await fill_registration(person, name=f"{first_name} Aminah", phone=f"08123456{user_id:04d}")
    await api.wait_for(lambda c: c.chat_id == str(ADMIN) and "Aminah" in c.text)
    return person


async def card_for(api: FakeBotApi, code: str):
    return await api.wait_for(
        lambda c: c.chat_id == str(ADMIN) and code in c.text and c.buttons(), within=15
    )


async def test_full_report_with_voice_photos_and_location(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.sends_voice("VOICE-1")
    await siti.sends_photo("PHOTO-1")
    await siti.sends_photo("PHOTO-2")
    ask_where = (await siti.taps("Selesai kirim foto"))[-1]
    assert ask_where.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    await siti.sends_location(-5.2, 105.6)
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    assert case.code in siti.last_text()

    card = await card_for(bot_api, case.code)
    sent_before_card = [
        c for c in bot_api.calls[: bot_api.calls.index(card)] if c.chat_id == str(ADMIN)
    ]
    methods = [c.method for c in sent_before_card]
    assert {"sendMediaGroup", "sendVoice", "sendLocation"} <= set(methods)
    assert "Siti Aminah" in card.text

    bot_api.members[(str(ADMIN), "9001")] = "member"
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    replies = await sekdes.taps("Proses")
    assert replies[-1].method == "editMessageText" and "Diproses" in replies[-1].text
    told = await bot_api.wait_for(lambda c: c.chat_id == "1001" and "Diproses" in c.text)
    assert case.code in told.text


async def test_confidential_report_leaks_nothing_to_the_admin_chat(bot_api, db_url, balai):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti", username="siti_aminah")
    await fill_registration(siti, name="Siti Aminah", phone="081234561001")
    # The registration card rightly names her; everything after it must not.
    await bot_api.wait_for(lambda c: c.chat_id == str(ADMIN) and "Siti Aminah" in c.text)
    await siti.says("/lapor")
    await siti.taps("Air Bersih")
    await siti.says("Air PDAM tidak mengalir tiga hari di RT 03")
    await siti.taps("Lewati")
    await siti.says("dekat sumur umum")
    registration_card = len(bot_api.calls)
    await siti.taps("Kirim rahasia")
    [case] = await stored_cases(db_url)
    await card_for(bot_api, case.code)

    bot_api.members[(str(ADMIN), "9001")] = "member"
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    prompt = (await sekdes.taps("Tanya pelapor"))[-1]
    assert prompt.params["reply_markup"]["force_reply"] is True
    await sekdes.replies_to(prompt.message_id, "Mulai kapan airnya mati?")
    await bot_api.wait_for(lambda c: c.chat_id == "1001" and "Mulai kapan" in c.text)
    await siti.taps("Jawab")
    await siti.says("Sejak Jumat pagi")
    await bot_api.wait_for(lambda c: c.chat_id == str(ADMIN) and "Sejak Jumat" in c.text)
    await outbox_settled(db_url)  # everything queued for the admin chat has gone out

    to_admin = [c for c in bot_api.calls[registration_card:] if c.chat_id == str(ADMIN)]
    assert to_admin
    for call in to_admin:
        everything = str(call.params)
        for secret in ("Siti", "Aminah", "siti_aminah", "1804074107900002", "3456"):
            assert secret not in everything, (secret, call.method)


async def test_officials_racing_on_telegram_make_one_decision(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("jalan rusak parah di depan sekolah dasar")
    await siti.taps("Lewati")
    await siti.says("depan SD Negeri 1")
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    card = await card_for(bot_api, case.code)
    take = next(b["callback_data"] for b in card.buttons() if "Proses" in b["text"])
    for user in ("9001", "9002"):
        bot_api.members[(str(ADMIN), user)] = "member"
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    kaur = TelegramUser(bot_api, 9002, "Bu Kaur", chat_id=ADMIN)
    await asyncio.gather(
        sekdes.presses(take, card.message_id or 0, card.text),
        kaur.presses(take, card.message_id or 0, card.text),
    )
    [case] = await stored_cases(db_url)
    assert case.version == 2
    refused = [c for c in bot_api.sent_to(ADMIN) if "Sudah ditangani oleh" in c.text]
    assert len(refused) == 1 and case.assignee in refused[0].text


async def test_429_from_telegram_is_waited_out(bot_api, db_url, balai):
    await balai()
    bot_api.failures["sendMessage"] = []
    siti = await registered(bot_api)
    await siti.says("lampu jalan mati di depan balai desa")
    await siti.taps("Lewati")
    await siti.says("depan balai desa")
    bot_api.failures["sendMessage"] = [
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    ]
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    await card_for(bot_api, case.code)  # delivered once Telegram allowed it
