"""Balai on Telegram: PTB's real Application against a fake Bot API on loopback."""

from __future__ import annotations

from storage.models import AuditEntry, Citizen
from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser
from tests.helpers import fill_registration, stored

ADMIN = -1001000000001
FEMALE_NIK = "1804074107900002"


async def test_command_menu_is_published_in_both_languages(bot_api: FakeBotApi, balai):
    await balai()
    published = {
        c.params.get("language_code"): {
            cmd["command"]: cmd["description"] for cmd in c.params["commands"]
        }
        for c in bot_api.startup_calls
        if c.method == "setMyCommands"
    }
    assert set(published) == {None, "en"}
    assert {"start", "daftar", "batal", "bahasa", "hapusdata"} <= set(published[None])
    assert published[None]["daftar"] != published["en"]["daftar"]  # Indonesian vs English


async def test_registration_by_buttons_and_typing_with_wrong_nik_first(bot_api, db_url, balai):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    replies = await siti.says("/start")
    assert any("Daftar" in b["text"] for r in replies for b in r.buttons())
    assert replies[-1].params["parse_mode"] == "HTML"

    await siti.taps("Daftar")
    await siti.taps("Saya setuju")
    await siti.taps("Sukamaju")
    await siti.says("<b>Siti</b> Aminah")
    assert "&lt;b&gt;" not in siti.last_text()  # refused, and nothing echoed raw
    await siti.says("Siti Aminah")
    replies = await siti.says("12345")
    # One message: what was wrong, then the question again.
    [reply] = replies
    assert "NIK harus 16 angka" in reply.text and "Langkah 4 dari 7" in reply.text
    await siti.says(FEMALE_NIK)
    await siti.taps("Krajan")
    ask_phone = (await siti.says("003/005"))[-1]
    keyboard = ask_phone.params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True

    replies = await siti.shares_contact("+6281234567890")
    assert "+62 812-3456-7890" in replies[-1].text
    await siti.taps("Simpan")
    [citizen] = await stored(db_url, Citizen)
    assert citizen.nik == FEMALE_NIK and citizen.phone == "+6281234567890"

    card = await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == str(ADMIN))
    assert "1804**********02" in card.text and FEMALE_NIK not in card.text


async def test_restart_mid_registration_continues(bot_api, db_url, balai):
    stop = await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await fill_registration(siti, until="nik")
    await stop()

    await balai()
    replies = await siti.says(FEMALE_NIK)
    assert "Langkah 5 dari 7" in replies[-1].text


async def test_user_text_is_escaped_in_html(bot_api, db_url, balai):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await fill_registration(siti, until="name")
    await siti.says("Siti O'Neil-Tambunan")
    await siti.says("9904074107900002")
    # The reason quotes the digits back; the HTML parse mode must see them escaped.
    for call in bot_api.sent_to(1001):
        assert "<" not in call.text.replace("&lt;", "")


async def test_info_desa_and_faq(bot_api, db_url, balai):
    await balai()
    budi = TelegramUser(bot_api, 2002, "Budi")
    await budi.says("/info")
    await budi.taps("Sukamaju")
    assert "08.00 - 15.00" in budi.last_text()
    assert "1. Syarat surat domisili?" in budi.last_text()
    await budi.taps("❔ 1")
    assert "KTP dan KK asli" in budi.last_text()


async def test_sticker_photo_and_edit_get_answers(bot_api, db_url, balai):
    await balai()
    budi = TelegramUser(bot_api, 2002, "Budi")
    await fill_registration(budi, until="name")
    replies = await budi.sends_sticker()
    assert "Langkah 3 dari 7" in replies[-1].text
    replies = await budi.sends_photo()
    assert "Langkah 3 dari 7" in replies[-1].text
    replies = await budi.says("Budi Santoso", edited=True)
    assert "Langkah 3 dari 7" in replies[-1].text


async def test_official_verifies_from_the_admin_chat_and_non_member_is_refused(
    bot_api, db_url, balai
):
    await balai()
    siti = TelegramUser(bot_api, 1001, "Siti")
    await fill_registration(siti)
    await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == str(ADMIN))

    stranger = TelegramUser(bot_api, 6666, "Orang", chat_id=ADMIN)
    replies = await stranger.taps("Verifikasi")
    # A pop-up on the stranger's own press, not a message to the whole group.
    assert replies == []
    assert stranger.press_answer is not None
    assert "hanya untuk petugas" in stranger.press_answer.params["text"].lower()
    assert stranger.press_answer.params["show_alert"] == "true"  # form-encoded by PTB
    assert (await stored(db_url, Citizen))[0].verified_at is None

    bot_api.members[(str(ADMIN), "9001")] = "administrator"
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    replies = await sekdes.taps("Verifikasi")
    assert replies[-1].method == "editMessageText"  # the card itself shows the decision
    assert "Pak Sekdes" in replies[-1].text
    await bot_api.wait_for(  # fails unless Siti is told
        lambda c: (
            c.method == "sendMessage" and c.chat_id == "1001" and "verifikasi" in c.text.lower()
        )
    )
    outcomes = [(e.actor_id, e.outcome) for e in await stored(db_url, AuditEntry)]
    assert outcomes == [("6666", "refused"), ("9001", "done")]


async def test_replies_survive_telegram_being_down(bot_api, db_url, balai):
    await balai()
    budi = TelegramUser(bot_api, 2002, "Budi")
    bot_api.down = True
    bot_api.push(
        {
            "message": budi._message(
                text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
            )
        }
    )
    await bot_api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == "2002")
    back_up_at = len(bot_api.calls)
    bot_api.down = False
    # The failed menu reply went to the outbox and arrives once Telegram is back.
    delivered = await bot_api.wait_for(
        lambda c: (
            bot_api.calls.index(c) >= back_up_at
            and c.method == "sendMessage"
            and c.chat_id == "2002"
        ),
        within=20,
    )
    assert any("Daftar" in b["text"] for b in delivered.buttons())


async def test_webhook_checks_the_secret_then_serves_the_update(bot_api, db_url):
    import asyncio

    import aiohttp

    from bot.runtime import serve_telegram
    from handlers.telegram.webhook import PATH, SECRET_HEADER
    from tests.conftest import TWO_VILLAGES, settings_for
    from tests.e2e.test_simulator_browser import free_port

    port = free_port()
    settings = settings_for(
        db_url,
        TWO_VILLAGES,
        BALAI_TELEGRAM_TOKEN=bot_api.token,
        BALAI_TELEGRAM_API_URL=bot_api.url,
        BALAI_WEBHOOK_URL="https://desa.example/telegram/webhook",
        BALAI_WEBHOOK_SECRET="s3cret-token",
        BALAI_WEBHOOK_PORT=str(port),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve_telegram(settings, stop, webhook=True))
    try:
        registered = await bot_api.wait_for(lambda c: c.method == "setWebhook")
        assert registered.params["secret_token"] == "s3cret-token"
        budi = TelegramUser(bot_api, 2002, "Budi")
        update = {
            "update_id": 1,
            "message": budi._message(
                text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
            ),
        }
        url = f"http://127.0.0.1:{port}{PATH}"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 403
            async with http.post(url, json=update) as response:
                assert response.status == 403
            async with http.post(
                url, json=update, headers={SECRET_HEADER: "s3cret-token"}
            ) as response:
                assert response.status == 200
        # Telegram was answered once the reply had gone (a worker killed before that
        # leaves the call unanswered, and Telegram sends the update again).
        [reply] = bot_api.sent_to(2002)  # the refused posts did nothing
        assert reply.buttons()

        # Telegram sends an update again when it missed the answer: handled once. (The
        # next update of the same chat is handled after it, so its answer tells when.)
        later = {
            "update_id": 2,
            "message": budi._message(
                text="/bantuan", entities=[{"type": "bot_command", "offset": 0, "length": 8}]
            ),
        }
        async with aiohttp.ClientSession() as http:
            for again in (update, later):
                async with http.post(
                    url, json=again, headers={SECRET_HEADER: "s3cret-token"}
                ) as response:
                    assert response.status == 200
        await bot_api.wait_for(lambda c: c.chat_id == "2002" and c.text != reply.text)
        assert [c.text for c in bot_api.sent_to(2002)].count(reply.text) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
