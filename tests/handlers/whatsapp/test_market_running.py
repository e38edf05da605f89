"""Lapak Desa as it runs: sellers and buyers on WhatsApp and Telegram, officials on Telegram,
through the real channels (PTB over HTTP, signed WhatsApp webhooks) against fake servers."""

from __future__ import annotations

import json
import re

from storage.models import ContactBlock, Listing
from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser
from tests.handlers.whatsapp.fake_graph_api import GraphCall, WhatsAppUser
from tests.handlers.whatsapp.test_whatsapp_channel import stored
from tests.handlers.whatsapp.test_whatsapp_media import image
from tests.helpers import fill_registration, outbox_settled

BUDI_NIK = "1804074107900003"
ADMIN_CHAT = "-1001000000001"
SITI_WA = "6281234561001"
BUDI_TG = 777001
SITI_TG = 4242001
BUDI_PHONE = "081298765432"
HOSTILE = "<b>Masih ada?</b> <script>alert(1)</script> *MURAH* _ya_ [klik](http://x.y) & <i>"
PHOTOS = {"WA-KOPI-1": b"\xff\xd8 kopi 1", "WA-KOPI-2": b"\xff\xd8 kopi 2"}


def _leaks(text: str, *secrets: str) -> list[str]:
    """The secrets (numbers as digits, names, usernames) found in `text`."""
    digits = re.sub(r"\D", "", text)
    found = [s for s in secrets if s in text]
    found += [s for s in secrets if s.isdigit() and len(s) >= 6 and s[-9:] in digits]
    return found


def _telegram_to(api: FakeBotApi, chat: str) -> list[Call]:
    return [c for c in api.calls if c.chat_id == chat and c.method.startswith("send")]


def _graph_to(graph, to: str) -> list[GraphCall]:  # type: ignore[no-untyped-def]
    return [c for c in graph.calls if c.to == to]


async def _approve(api: FakeBotApi, db_url: str) -> Listing:
    [row] = await stored(db_url, Listing)
    await api.wait_for(lambda c: c.chat_id == ADMIN_CHAT and row.code in c.text and c.buttons())
    api.members[(ADMIN_CHAT, "9001")] = "member"
    sekdes = TelegramUser(api, 9001, "Pak Sekdes", chat_id=ADMIN_CHAT)
    await sekdes.taps("Tayangkan")
    [row] = await stored(db_url, Listing)
    assert row.status == "live"
    return row


async def _sell(person, photos: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """From the menu, in 7 interactions with two photos."""
    await person.says("/menu")
    await person.taps("Lapak Desa")
    await person.taps("Jual")
    await person.says("Kopi robusta bubuk")
    await person.taps("Kebun")
    await person.says("25rb/kg")
    for media_id in photos:
        await person.exchange(image(person, media_id))
    await person.taps("Selesai kirim foto" if photos else "Lewati")
    await person.taps("Kirim")


async def _wa_resident(balai, wa_id: str, name: str, nik: str) -> WhatsAppUser:  # type: ignore[no-untyped-def]
    person = balai.person(wa_id, name.split()[0])
    await fill_registration(person, until="phone", name=name, nik=nik)
    await person.taps("Ya, pakai ini")
    await person.taps("Simpan")
    return person


def _said(replies) -> str:  # type: ignore[no-untyped-def]
    return " ".join(r.text for r in replies)


async def test_a_whatsapp_listing_is_found_by_a_telegram_buyer_typing_wrong_and_they_talk_unseen(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    api, graph = balai.bot_api, balai.graph
    graph.media.update({k: (v, "image/jpeg") for k, v in PHOTOS.items()})
    siti = await _wa_resident(balai, SITI_WA, "Siti Aminah", "1804074107900002")
    await _sell(siti, tuple(PHOTOS))
    card = await api.wait_for(
        lambda c: c.chat_id == ADMIN_CHAT and "LPK-" in c.text and c.buttons()
    )
    assert "Rp25.000/kg" in card.text and "+62 812-****-1001" in card.text
    row = await _approve(api, db_url)
    await graph.wait_for(lambda c: c.to == SITI_WA and "tayang" in c.text and row.code in c.text)

    budi = TelegramUser(api, BUDI_TG, "Budi", username="budi_santoso_77")
    await fill_registration(budi, name="Budi Santoso", nik=BUDI_NIK, phone=BUDI_PHONE)
    await budi.says("cari kopi robsta")
    assert "Kopi robusta bubuk" in budi.last_text() and "Rp25.000/kg" in budi.last_text()
    [photo] = api.sent_to(budi.chat, "sendPhoto")
    assert photo.params["caption"] == "1. Kopi robusta bubuk"
    await budi.taps("1. Kopi robusta")
    assert "Siti" in budi.last_text() and "Aminah" not in budi.last_text()
    [album] = api.sent_to(budi.chat, "sendMediaGroup")
    assert len(album.params["media"]) == 2
    await budi.taps("Hubungi penjual")
    await budi.sends_photo("PHOTO-1")
    assert "Hanya pesan teks" in _said(budi.replies) and "Ketik pesan" in _said(budi.replies)
    await budi.says(HOSTILE)
    assert "sudah diteruskan" in budi.last_text()

    relayed = await graph.wait_for(lambda c: c.to == SITI_WA and "Pembeli 1" in c.text)
    assert "<script>alert(1)</script>" in relayed.text and row.code in relayed.text
    assert [t for t, _v in relayed.choices()] == [
        "✍️ Balas",
        "🔚 Akhiri percakapan",
        "🚫 Blokir pembeli",
    ]
    await siti.taps("Balas")
    assert "Pembeli 1" in siti.last_text()
    await siti.says('Masih, siap besok <a href="http://evil.example">klik</a>')
    back = await api.wait_for(lambda c: c.chat_id == str(BUDI_TG) and "siap besok" in c.text)
    assert "&lt;a href=" in back.text and "<a href" not in back.text
    assert back.params.get("parse_mode") == "HTML" and "penjual Siti" in back.text

    # Sold in Lapak saya: the buyer's next reply is told so, not relayed.
    await siti.says("/lapaksaya")
    await siti.taps(row.code)
    await siti.taps("Terjual")
    await budi.taps("Balas")
    assert "sudah tidak ditawarkan" in budi.last_text()
    await budi.says("cari kopi robsta")
    assert "Kopi robusta bubuk" not in budi.last_text()

    await outbox_settled(db_url)
    budi_secrets = ("Santoso", "budi_santoso_77", str(BUDI_TG), BUDI_PHONE, "Budi")
    to_siti = _graph_to(graph, SITI_WA)
    assert to_siti and all(
        not _leaks(json.dumps(c.body, ensure_ascii=False), *budi_secrets) for c in to_siti
    )
    siti_secrets = ("Aminah", SITI_WA, "081234561001")
    to_budi = _telegram_to(api, str(BUDI_TG))
    assert to_budi and all(
        not _leaks(json.dumps(c.params, ensure_ascii=False), *siti_secrets) for c in to_budi
    )
    [listed] = await stored(db_url, Listing)
    assert listed.contacts == 1 and listed.views == 1 and listed.status == "sold"


async def test_ending_a_relayed_conversation_over_the_channels(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    api, graph = balai.bot_api, balai.graph
    siti = await _wa_resident(balai, SITI_WA, "Siti Aminah", "1804074107900002")
    await _sell(siti)
    await _approve(api, db_url)
    budi = TelegramUser(api, BUDI_TG, "Budi", username="budi_santoso_77")
    await fill_registration(budi, name="Budi Santoso", nik=BUDI_NIK, phone=BUDI_PHONE)
    await budi.says("cari kopi")
    await budi.taps("Kopi robusta")
    await budi.taps("Hubungi penjual")
    await budi.says("Masih ada?")
    await graph.wait_for(lambda c: c.to == SITI_WA and "Pembeli 1" in c.text)
    await budi.taps("Akhiri")
    assert "Penjual sudah diberi tahu" in budi.last_text()
    await graph.wait_for(lambda c: c.to == SITI_WA and "Pembeli 1 mengakhiri" in c.text)
    await siti.taps("Balas")
    assert "tidak bisa dikirim lagi" in siti.last_text()


async def test_whatsapp_buyer_blocked_by_a_telegram_seller(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    api, graph = balai.bot_api, balai.graph
    siti = TelegramUser(api, SITI_TG, "Siti", username="siti_aminah_desa")
    await fill_registration(siti, name="Siti Aminah", phone="081234561001")
    await _sell(siti)
    await _approve(api, db_url)
    budi_wa = "6281298765432"
    budi = await _wa_resident(balai, budi_wa, "Budi Santoso", BUDI_NIK)
    await budi.says("cari kopi robsta")
    await budi.taps("Kopi robusta")
    await budi.taps("Hubungi penjual")
    await budi.says("Halo, bisa antar ke dusun Krajan? *cepat*")
    assert "sudah diteruskan" in budi.last_text()

    await api.wait_for(
        lambda c: c.chat_id == str(SITI_TG) and "Pembeli 1" in c.text and c.buttons()
    )
    await siti.taps("Balas")
    await siti.says("Bisa, sore ini")
    await graph.wait_for(lambda c: c.to == budi_wa and "Bisa, sore ini" in c.text)
    await budi.taps("Balas")
    await budi.says("Oke, saya tunggu sore")
    await api.wait_for(lambda c: c.chat_id == str(SITI_TG) and "saya tunggu sore" in c.text)
    await siti.taps("Blokir pembeli")
    assert "Blokir Pembeli 1?" in siti.last_text()
    await siti.taps("Ya, blokir")
    assert "sudah diblokir" in siti.last_text()
    await graph.wait_for(lambda c: c.to == budi_wa and "Penjual mengakhiri" in c.text)
    await budi.taps("Hubungi penjual")
    assert "tidak menerima pesan dari Anda" in budi.last_text()
    await budi.taps("Balas")
    assert "tidak bisa dikirim lagi" in budi.last_text()
    [block] = await stored(db_url, ContactBlock)
    assert block.seller_id != block.buyer_id

    await outbox_settled(db_url)
    budi_secrets = ("Santoso", budi_wa, "081298765432", "Budi")
    to_siti = _telegram_to(api, str(SITI_TG))
    assert to_siti and all(
        not _leaks(json.dumps(c.params, ensure_ascii=False), *budi_secrets) for c in to_siti
    )
    siti_secrets = ("Aminah", "siti_aminah_desa", str(SITI_TG), "081234561001")
    to_budi = _graph_to(graph, budi_wa)
    assert to_budi and all(
        not _leaks(json.dumps(c.body, ensure_ascii=False), *siti_secrets) for c in to_budi
    )
