"""Lapak Desa as it runs: a WhatsApp seller, officials on Telegram, a Telegram buyer, through
the real channels (PTB over HTTP, signed WhatsApp webhooks) against fake servers."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import Listing
from tests.handlers.fake_bot_api import TelegramUser
from tests.handlers.whatsapp.test_whatsapp_media import image
from tests.helpers import fill_registration

ADMIN = "-1001000000001"
PHOTOS = {"WA-KOPI-1": b"\xff\xd8 kopi 1", "WA-KOPI-2": b"\xff\xd8 kopi 2"}


async def _listing(db_url: str) -> Listing:
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            [row] = list(await session.scalars(select(Listing)))
            return row
    finally:
        await engine.dispose()


async def test_a_whatsapp_listing_approved_on_telegram_is_found_by_a_telegram_buyer_typing_wrong(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    api, graph = balai.bot_api, balai.graph
    graph.media.update({k: (v, "image/jpeg") for k, v in PHOTOS.items()})
    siti = balai.person()
    await fill_registration(siti)
    await siti.says("/menu")
    await siti.taps("Lapak Desa")
    await siti.taps("Jual")
    await siti.says("Kopi robusta bubuk")
    await siti.taps("Kebun")
    await siti.says("25rb/kg")
    for media_id in PHOTOS:
        await siti.exchange(image(siti, media_id))
    await siti.taps("Selesai kirim foto")
    await siti.taps("Kirim")
    code = (await _listing(db_url)).code
    assert code in siti.last_text()

    api.members[(ADMIN, "9001")] = "member"
    sekdes = TelegramUser(api, 9001, "Pak Sekdes", chat_id=ADMIN)
    card = await api.wait_for(lambda c: c.chat_id == ADMIN and code in c.text and c.buttons())
    assert "Rp25.000/kg" in card.text and "+62 812-****-7890" in card.text
    await sekdes.taps("Tayangkan")
    await graph.wait_for(lambda c: c.to == siti.wa_id and "tayang" in c.text, within=15)

    budi = TelegramUser(api, 2002, "Budi", username="budi_tani")
    await fill_registration(budi, name="Budi Santoso", nik="1804074107900003", phone="081234562002")
    await budi.says("cari kopi robsta")
    assert "Kopi robusta bubuk" in budi.last_text() and "Rp25.000/kg" in budi.last_text()
    [photo] = api.sent_to(budi.chat, "sendPhoto")
    assert photo.params["caption"] == "1. Kopi robusta bubuk"
    await budi.taps("1. Kopi robusta")
    assert "Kopi robusta bubuk" in budi.last_text() and "Siti" in budi.last_text()
    [album] = api.sent_to(budi.chat, "sendMediaGroup")
    assert len(album.params["media"]) == 2
    assert (await _listing(db_url)).views == 1
