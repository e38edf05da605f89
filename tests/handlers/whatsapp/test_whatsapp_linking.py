"""One person on Telegram and WhatsApp, through both real channels."""

from __future__ import annotations

import re

from storage.models import ChannelIdentity, Citizen
from tests.handlers.fake_bot_api import TelegramUser
from tests.handlers.whatsapp.test_whatsapp_channel import stored
from tests.helpers import fill_registration


def said(replies) -> str:  # type: ignore[no-untyped-def]
    return " ".join(r.text for r in replies)


async def test_the_shared_number_links_whatsapp_with_one_tap(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    tg = TelegramUser(balai.bot_api, 1001, "Siti")
    await fill_registration(tg, until="phone")
    await tg.shares_contact("+6281234567890")
    await tg.taps("Simpan")
    wa = balai.person()
    await wa.says("/daftar")
    assert "Anda sudah terdaftar di Telegram" in said(wa.replies)
    await wa.taps("Ya, tautkan")
    assert "WhatsApp ini sekarang tertaut" in said(wa.replies)
    [citizen] = await stored(db_url, Citizen)
    assert {i.citizen_id for i in await stored(db_url, ChannelIdentity)} == {citizen.id}
    # The Telegram app hears of it at once: a security notice.
    await balai.bot_api.wait_for(
        lambda c: c.method == "sendMessage" and c.chat_id == "1001" and "🔐" in c.text
    )


async def test_a_code_from_whatsapp_links_telegram(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    wa = balai.person()
    await fill_registration(wa, until="phone")
    assert "Pakai nomor ini: +62 812-3456-7890?" in said(wa.replies)
    await wa.taps("Ya, pakai ini")
    await wa.taps("Simpan")
    await wa.says("/tautkan")
    found = re.search(r"(\d{3}) (\d{3})", said(wa.replies))
    assert found
    tg = TelegramUser(balai.bot_api, 1001, "Siti")
    replies = await tg.says(found[1] + found[2])
    assert any("Telegram ini sekarang tertaut" in c.text for c in replies)
    [citizen] = await stored(db_url, Citizen)
    assert citizen.phone == "+6281234567890"
    assert {i.citizen_id for i in await stored(db_url, ChannelIdentity)} == {citizen.id}
