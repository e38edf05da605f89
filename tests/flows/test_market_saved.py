"""🔔 Kabari saya: a buyer's saved search told when a matching listing is approved."""

from __future__ import annotations

import asyncio

from storage.models import Listing, SavedSearch
from tests.flows.test_complaints import card_buttons, official, resident
from tests.flows.test_linking import WhatsAppPerson
from tests.flows.test_market import listing
from tests.helpers import Person, outbox, register, rows

NOTICE = "🔔 Baru di Lapak Desa"


async def offer(seller: Person, name: str, category: str = "Kebun") -> str:
    """A listing with no photos and a price per kg, sent for approval; its code."""
    await seller.says("/jual")
    await seller.says(name)
    await seller.taps(category)
    await seller.says("25rb/kg")
    await seller.taps("Lewati")
    await seller.taps("Kirim")
    [row] = [x for x in await rows(seller.core, Listing) if x.name == name]
    return row.code


async def approve(core, officials, code: str, user_id: str = "9001") -> None:
    sekdes = official(core, officials, user_id)
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    assert (await listing(core, code)).status == "live"


async def notices(core, chat_id: str) -> list[dict]:
    return [
        m.payload
        for m in await outbox(core)
        if m.chat_id == chat_id and NOTICE in m.payload["text"]
    ]


async def saves(buyer: Person, query: str) -> None:
    await buyer.says(f"cari {query}")
    await buyer.taps("Kabari saya")


async def buyer(core) -> Person:
    return await resident(core, "1002", "Budi Santoso", "1804074107900003")


async def test_a_typo_is_told_once_a_day_and_again_after_24_hours(core, officials, clock):
    siti = await resident(core)
    budi = await buyer(core)
    await budi.says("cari kopi robsta")
    assert "belum ada" in budi.last.text
    await budi.taps("Kabari saya")
    assert "Tersimpan" in budi.last.text and "kopi robsta" in budi.last.text
    # A slip nothing listed yet could correct.
    ani = await resident(core, "1003", "Ani Lestari", "1804074107900004")
    await saves(ani, "kopii")

    await approve(core, officials, await offer(siti, "Kopi robusta bubuk"))
    assert len(await notices(core, "1003")) == 1
    [told] = await notices(core, "1002")
    assert "kopi robsta" in told["text"] and "Kopi robusta bubuk" in told["text"]
    assert "Rp25.000/kg" in told["text"] and "1001" not in told["text"]
    [see] = [value for row in told["buttons"] for label, value in row if "Lihat" in label]
    await budi.presses(see)
    assert "Kopi robusta bubuk" in budi.last.text and "Penjual: Siti" in budi.last.text

    clock.advance(hours=23)
    await approve(core, officials, await offer(siti, "Kopi robusta giling"))
    assert len(await notices(core, "1002")) == 1

    clock.advance(hours=1, minutes=1)
    await approve(core, officials, await offer(siti, "Kopi robusta sangrai"))
    told = await notices(core, "1002")
    assert len(told) == 2 and "Kopi robusta sangrai" in told[-1]["text"]


async def test_whatsapp_buyer_is_not_told_of_a_listing_that_does_not_match(core, officials):
    siti = await resident(core)
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    await saves(wa, "kopi robsta")
    assert "Tersimpan" in wa.last.text
    await approve(core, officials, await offer(siti, "Gula aren cetak", "Makanan"))
    await approve(core, officials, await offer(siti, "Kopi arabika", "Kebun"))
    assert await notices(core, "6281234561002") == []
    await approve(core, officials, await offer(siti, "Kopi robusta bubuk"))
    [told] = [m for m in await outbox(core) if m.chat_id == "6281234561002"]
    assert told.channel == "whatsapp" and "Kopi robusta bubuk" in told.payload["text"]


async def test_the_seller_is_not_told_of_their_own_listing(core, officials):
    siti = await resident(core)
    budi = await buyer(core)
    await saves(siti, "kopi")
    await saves(budi, "kopi")
    await approve(core, officials, await offer(siti, "Kopi robusta bubuk"))
    assert await notices(core, "1001") == []
    assert len(await notices(core, "1002")) == 1


async def test_two_approvals_at_once_tell_a_saved_search_once(core, officials):
    siti = await resident(core)
    ani = await resident(core, "1003", "Ani Lestari", "1804074107900004")
    budi = await buyer(core)
    await saves(budi, "kopi")
    first = await offer(siti, "Kopi robusta bubuk")
    second = await offer(ani, "Kopi luwak")
    one = official(core, officials, "9001", "Pak Sekdes")
    two = official(core, officials, "9002", "Bu Kaur")
    await asyncio.gather(
        one.presses((await card_buttons(core, first))["✅ Tayangkan"]),
        two.presses((await card_buttons(core, second))["✅ Tayangkan"]),
    )
    assert {(await listing(core, c)).status for c in (first, second)} == {"live"}
    assert len(await notices(core, "1002")) == 1


async def test_delete_one_then_stop_all_from_the_menu(core, officials):
    siti = await resident(core)
    budi = await buyer(core)
    await saves(budi, "kopi")
    await saves(budi, "gula aren")
    await budi.says("/menu")
    await budi.taps("Lapak Desa")
    await budi.taps("Cari tersimpan")
    assert "1. kopi" in budi.last.text and "2. gula aren" in budi.last.text
    await budi.taps("🗑️ kopi")
    assert "dihapus" in budi.last.text and "kopi" not in budi.last.text.split("Anda:")[1]
    await approve(core, officials, await offer(siti, "Kopi robusta bubuk"))
    assert await notices(core, "1002") == []
    await budi.taps("Hentikan semua")
    assert "1 pencarian" in budi.last.text and "belum punya" in budi.last.text
    await approve(core, officials, await offer(siti, "Gula aren cetak", "Makanan"))
    assert await notices(core, "1002") == [] and await rows(core, SavedSearch) == []


async def test_at_most_ten_and_the_same_search_twice_is_one(core):
    budi = await buyer(core)
    words = ("kopi", "gula", "lada", "beras", "telur", "ikan", "ayam", "jahe", "kunyit", "cabai")
    for word in words:
        await saves(budi, word)
    await saves(budi, "Kopi")
    assert "sudah menyimpan" in budi.text
    await saves(budi, "durian")
    assert "10 pencarian tersimpan" in budi.text and "batas" in budi.text
    assert sorted(s.query for s in await rows(core, SavedSearch)) == sorted(words)


async def test_deleting_ones_data_deletes_saved_searches(core):
    budi = await buyer(core)
    await saves(budi, "kopi")
    assert len(await rows(core, SavedSearch)) == 1
    await budi.says("/hapusdata")
    await budi.taps("Ya, hapus")
    assert await rows(core, SavedSearch) == []


async def test_a_listing_approved_after_a_correction_is_told(core, officials):
    siti = await resident(core)
    budi = await buyer(core)
    await saves(budi, "gula arn")
    code = await offer(siti, "Gula aren cetak", "Makanan")
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✏️ Minta perbaikan"])
    await sekdes.taps("Harga")
    await sekdes.taps("Lanjut")
    await sekdes.says("Harga per butir, bukan per kg")
    assert await notices(core, "1002") == []
    [row] = await rows(core, Listing)
    await siti.presses(f"lapak:fix:{row.case_id}")
    await siti.says("15rb/butir")
    await siti.taps("Kirim")
    await approve(core, officials, code)
    [told] = await notices(core, "1002")
    assert "Gula aren cetak" in told["text"] and "Rp15.000/butir" in told["text"]


async def test_a_forged_save_button_is_cleaned_and_cut(core):
    budi = await buyer(core)
    await budi.presses("kabari:s:<b>kopi</b>\x00\u202e" + "x" * 60)
    assert "Tersimpan" in budi.last.text
    [saved] = await rows(core, SavedSearch)
    assert "\x00" not in saved.query and "\u202e" not in saved.query
    assert saved.query.startswith("<b>kopi</b>") and len(saved.query.encode()) <= 40
