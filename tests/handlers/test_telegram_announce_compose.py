"""An announcement composed in the admin group over the real PTB client against the fake
Bot API: the preview with the resident's real buttons, then sent by the running
dispatcher to the two dusun ticked, each resident once, the progress card edited."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from storage.models import Announcement, Conversation
from tests.bot.test_broadcast import seed
from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser
from tests.handlers.test_telegram import ADMIN, stored

PREVIEW_NOTE = "Ini hanya pratinjau; tombol ini untuk warga."


def delivered(api: FakeBotApi) -> Counter[str]:
    """Messages each resident's chat took (answered by the Bot API), the admin chat aside."""
    return Counter(
        c.chat_id
        for c in api.calls
        if c.method == "sendMessage" and c.answered and not c.chat_id.startswith("-")
    )


async def until(condition: Callable[[], bool], what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {within}s"
        await asyncio.sleep(0.02)


async def test_composed_in_the_group_reaches_only_the_two_dusun_ticked(
    bot_api, db_url, balai, core, clock
):
    # Penting: quiet hours (by the real clock the running bot reads) do not hold it.
    clock.now = datetime.now(UTC)
    krajan = await seed(core, 2, dusun="Krajan", first_chat=5000)
    sidorejo = await seed(core, 1, dusun="Sidorejo", first_chat=5100)
    await seed(core, 1, dusun="Sidorejo", channel="whatsapp", first_chat=6281200000001)
    elsewhere = await seed(core, 2, dusun="Sumberagung", first_chat=5200)
    bot_api.members[(str(ADMIN), "9001")] = "administrator"
    await balai()
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)

    [prompt] = await sekdes.says("/umumkan")
    assert prompt.params["reply_markup"].get("force_reply")  # a group sees replies only
    assert prompt.message_id is not None
    await sekdes.replies_to(prompt.message_id, "Posyandu balita hari Sabtu di balai dusun.")
    await sekdes.taps("📍")
    await sekdes.taps("Krajan")
    [ticked] = await sekdes.taps("Sidorejo")
    assert ticked.method == "editMessageText"  # the ticks redraw the same question
    await sekdes.taps("➡️")
    await sekdes.taps("⚠️")
    preview, summary = await sekdes.taps("⚡")  # a button even in a group

    # The preview: the announcement as a resident gets it, with their buttons as buttons.
    assert preview.text.startswith("⚠️ Penting · Desa Sukamaju")
    assert "Posyandu balita hari Sabtu di balai dusun." in preview.text
    shown = [b["text"] for b in preview.buttons()]
    assert shown == ["✅ Sudah saya baca", "🔕 Berhenti topik ini"]
    assert all(b["callback_data"].startswith("annpv:") for b in preview.buttons())
    assert "[" not in preview.text
    assert "Akan dikirim ke 4 warga (3 Telegram, 1 WhatsApp)." in summary.text
    assert "Dusun Krajan, Sidorejo" in summary.text
    assert any("Kirim" in b["text"] for b in summary.buttons())

    # Pressing a resident's button on the preview only says so, on the press itself.
    before = len(bot_api.calls)
    for label in shown:
        assert await sekdes.presses(*_press(preview, label)) == []
        assert sekdes.press_answer is not None
        assert sekdes.press_answer.params["text"] == PREVIEW_NOTE
        assert sekdes.press_answer.params["show_alert"] == "true"  # form-encoded by PTB
    assert not [c for c in bot_api.calls[before:] if c.method.startswith(("send", "edit"))]
    assert not await stored(db_url, Announcement)
    [conversation] = [c for c in await stored(db_url, Conversation) if c.flow == "announce"]
    assert conversation.step == "summary"

    [sent] = await sekdes.taps("Kirim")
    [made] = await stored(db_url, Announcement)
    assert made.code in sent.text and made.kind == "important"

    # The card's final report: every delivery decided.
    final = await bot_api.wait_for(
        lambda c: c.method == "editMessageText" and made.code in c.text and "Selesai" in c.text,
        within=30,
    )
    await until(
        lambda: set(delivered(bot_api)) >= set(krajan + sidorejo), "delivery to the two dusun"
    )
    assert delivered(bot_api) == Counter({chat: 1 for chat in krajan + sidorejo})
    assert not set(delivered(bot_api)) & set(elsewhere)
    received = [c for c in bot_api.calls if c.method == "sendMessage" and c.chat_id in krajan]
    assert all("Posyandu balita hari Sabtu" in c.text for c in received)
    assert all("pgm:read:" in str(c.params.get("reply_markup")) for c in received)

    # One progress card in the admin chat, edited in place until its final report.
    cards = [c for c in bot_api.sent_to(ADMIN, "sendMessage") if made.code in c.text]
    assert len(cards) == 2, [c.text for c in cards]  # "being sent now" and the card
    [card] = [c for c in cards if c is not sent]
    edits = [c for c in bot_api.sent_to(ADMIN, "editMessageText") if made.code in c.text]
    assert edits and all(int(c.params["message_id"]) == card.message_id for c in edits)
    assert final in edits and "Terkirim: 3" in final.text


async def test_another_time_is_asked_as_a_reply_in_the_group(bot_api, db_url, balai, core):
    bot_api.members[(str(ADMIN), "9001")] = "administrator"
    await balai()
    sekdes = TelegramUser(bot_api, 9001, "Pak Sekdes", chat_id=ADMIN)
    [prompt] = await sekdes.says("/umumkan")
    assert prompt.message_id is not None
    await sekdes.replies_to(prompt.message_id, "Vaksinasi Senin pagi.")
    await sekdes.taps("🏘️")
    await sekdes.taps("📢")
    [when] = await sekdes.taps("🗓️")
    assert when.params["reply_markup"].get("force_reply") and "besok 07.00" in when.text
    assert when.message_id is not None
    await sekdes.replies_to(when.message_id, "kemarin sore")  # not a time: asked again
    [again] = sekdes.replies
    assert again.params["reply_markup"].get("force_reply") and "tanggal" in again.text
    assert again.message_id is not None
    await sekdes.replies_to(again.message_id, "12/12/2099 08.00")
    assert "12 Desember 2099 08.00 WIB" in sekdes.last_text()


def _press(message: Call, label: str) -> tuple[str, int, str]:
    """The callback data of the button `label` on `message`, as `TelegramUser.presses` takes it."""
    [button] = [b for b in message.buttons() if b["text"] == label]
    return button["callback_data"], message.message_id or 0, message.text
