"""Lapak Desa, the seller's side and the officials' moderation, end to end in-process."""

from __future__ import annotations

import asyncio

from bot.reminders import CaseWatch
from flows.engine.types import Kind
from storage import listing_search
from storage.models import Case, Listing
from tests.flows.test_complaints import ADMIN, card_buttons, messages_to, official, resident
from tests.flows.test_linking import WhatsAppPerson
from tests.helpers import Person, outbox, register, rows


async def sell(
    person: Person,
    *,
    photos: int = 2,
    price: str = "25rb/kg",
    name: str = "Kopi robusta bubuk",
    category: str = "Kebun",
) -> str:
    """From the menu: name, category, price, photos, done, send."""
    await person.says("/menu")
    await person.taps("Lapak Desa")
    await person.taps("Jual")
    interactions = 0
    for step in (
        lambda: person.says(name),
        lambda: person.taps(category),
        lambda: person.says(price),
        *(lambda n=n: person.sends(Kind.PHOTO, media_id=f"PHOTO-{n}") for n in range(photos)),
        lambda: person.taps("Selesai kirim foto" if photos else "Lewati"),
        lambda: person.taps("Kirim"),
    ):
        await step()
        interactions += 1
    assert interactions <= 7
    [case] = [c for c in await rows(person.core, Case) if c.kind == "listing"][-1:]
    return case.code


async def listing(core, code: str) -> Listing:
    [found] = [x for x in await rows(core, Listing) if x.code == code]
    return found


async def findable(core, row: Listing) -> bool:
    """Whether a buyer searching the listing's name in its village finds it."""
    async with core.sessions() as session:
        return row.id in await listing_search.search(session, [row.village_id], row.name, 5)


async def test_two_photos_and_25rb_per_kg_go_live_with_one_tap(core, officials):
    siti = await resident(core)
    code = await sell(siti)
    assert code.startswith("LPK-") and code in siti.last.text
    card = next(m for m in await messages_to(core, ADMIN) if code in m)
    assert "Kopi robusta bubuk" in card and "Rp25.000/kg" in card
    assert "+62 812-****-1001" in card and "Siti Aminah" in card
    assert (await listing(core, code)).status == "pending"
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    row = await listing(core, code)
    assert row.status == "live" and row.price == 25_000 and row.unit == "kg"
    assert row.photos == ["PHOTO-0", "PHOTO-1"] and row.expires_at is not None
    told = await messages_to(core, "1001")
    assert any("sudah tayang" in t and code in t for t in told)
    async with core.sessions() as session:
        assert await listing_search.search(session, [row.village_id], "kopi", 5) == [row.id]


async def test_whatsapp_seller_with_photos_and_nego_is_told_on_whatsapp(core, officials):
    wa = WhatsAppPerson(core, "6281234561001", phone="6281234561001")
    await register(wa, name="Siti Aminah", nik="1804074107900002", phone="081234561001")
    code = await sell(wa, photos=2, price="nego")
    row = await listing(core, code)
    assert row.price is None and row.photos == ["PHOTO-0", "PHOTO-1"]
    card = next(m for m in await outbox(core) if m.chat_id == ADMIN and code in m.payload["text"])
    assert "Nego" in card.payload["text"] and len(card.payload["media"]) == 2
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    told = [m for m in await outbox(core) if m.channel == "whatsapp" and code in m.payload["text"]]
    assert told and "sudah tayang" in told[-1].payload["text"]


async def test_price_without_unit_asks_the_unit_and_garbage_asks_again(core):
    siti = await resident(core)
    await siti.says("jual gula aren")
    assert "Langkah" in siti.last.text
    await siti.taps("Kebun")
    await siti.says("murah sekali")
    assert "25rb" in siti.last.text and "Berapa harganya" in siti.last.text
    await siti.says("Rp 30.000")
    await siti.taps("kg")
    await siti.taps("Lewati")
    assert "Gula aren" in siti.last.text and "Rp30.000/kg" in siti.last.text


async def test_officials_ask_to_fix_the_price_only(core, officials):
    siti = await resident(core)
    code = await sell(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✏️ Minta perbaikan"])
    await sekdes.taps("Harga")
    await sekdes.taps("Lanjut")
    await sekdes.says("Harga kopi bubuk biasanya per ons")
    told = (await messages_to(core, "1001"))[-1]
    assert "Harga" in told and "per ons" in told
    [case] = [c for c in await rows(core, Case) if c.code == code]
    await siti.presses(f"lapak:fix:{case.id}")
    assert "Berapa harganya" in siti.last.text  # only the flagged step is asked
    await siti.says("12rb/ons")
    assert "Rp12.000/ons" in siti.last.text
    await siti.taps("Kirim")
    row = await listing(core, code)
    assert row.status == "pending" and row.price == 12_000 and row.name == "Kopi robusta bubuk"
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    assert (await listing(core, code)).status == "live"


async def test_rejection_with_reason(core, officials):
    siti = await resident(core)
    code = await sell(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["⛔ Tolak"])
    await sekdes.says("Foto tidak jelas dan barang tidak sesuai")
    assert "ditolak" in sekdes.last.text
    told = (await messages_to(core, "1001"))[-1]
    assert "Ditolak" in told and "Foto tidak jelas" in told
    row = await listing(core, code)
    assert row.status == "rejected" and not await findable(core, row)


async def test_two_officials_racing_on_one_card(core, officials):
    siti = await resident(core)
    code = await sell(siti)
    publish = (await card_buttons(core, code))["✅ Tayangkan"]
    sekdes = official(core, officials, "9001", "Pak Sekdes")
    kaur = official(core, officials, "9002", "Bu Kaur")
    await asyncio.gather(sekdes.presses(publish), kaur.presses(publish))
    [case] = [c for c in await rows(core, Case) if c.code == code]
    assert case.version == 2 and case.status == "live"
    told = [t for t in await messages_to(core, "1001") if "sudah tayang" in t]
    assert len(told) == 1


async def test_a_non_member_press_is_refused(core, officials):
    siti = await resident(core)
    code = await sell(siti)
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    await stranger.presses((await card_buttons(core, code))["✅ Tayangkan"])
    assert "hanya untuk petugas" in stranger.last.text
    assert (await listing(core, code)).status == "pending"


async def test_limit_of_new_listings_a_day_is_said_plainly(core, officials):
    siti = await resident(core)
    for _n in range(3):
        await sell(siti, photos=0)
    await siti.says("/jual")
    assert "batas untuk sehari" in siti.last.text
    assert len(await rows(core, Listing)) == 3


async def test_expiry_reminder_and_renewal(core, officials, clock):
    siti = await resident(core)
    code = await sell(siti, photos=0)
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    watch = CaseWatch(core.services, core.sessions)
    clock.advance(days=26)
    await watch.run_once()
    assert not [t for t in await messages_to(core, "1001") if "berakhir 3 hari lagi" in t]
    clock.advance(days=1, minutes=1)
    await watch.run_once()
    await watch.run_once()
    asked = [t for t in await messages_to(core, "1001") if "berakhir 3 hari lagi" in t]
    assert len(asked) == 1 and code in asked[0]
    [case] = [c for c in await rows(core, Case) if c.code == code]
    await siti.presses(f"lapak:renew:{case.id}:{case.version}")
    assert "Diperpanjang" in siti.last.text
    clock.advance(days=5)
    await watch.run_once()
    assert (await listing(core, code)).status == "live"
    clock.advance(days=30)
    await watch.run_once()
    row = await listing(core, code)
    assert row.status == "expired" and not await findable(core, row)
    assert any("sudah berakhir" in t for t in await messages_to(core, "1001"))


async def test_lapak_saya_marks_sold_and_admin_counts(core, officials):
    siti = await resident(core)
    code = await sell(siti, photos=0)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    await siti.says("/lapaksaya")
    assert code in siti.last.text and "Tayang" in siti.last.text
    await siti.taps(code)
    await siti.taps("Terjual")
    assert "Selamat" in siti.last.text
    row = await listing(core, code)
    assert row.status == "sold" and row.sold_at is not None and not await findable(core, row)
    await sekdes.says("/lapak")
    assert "1 terjual bulan ini" in sekdes.last.text and code in sekdes.last.text


async def test_hostile_name_and_description_are_kept_as_text_and_limited(core, officials):
    siti = await resident(core)
    await siti.says("/jual")
    await siti.says("x" * 10_000)
    assert "Terlalu panjang" in siti.last.text
    await siti.says("<b>Keripik</b> <script>alert(1)</script> 🍌")
    await siti.taps("Makanan")
    await siti.says("10rb")
    await siti.taps("paket")
    await siti.taps("Lewati")
    await siti.taps("Keterangan")
    await siti.says("y" * 10_000)
    assert "Terlalu panjang" in siti.last.text
    await siti.says("<i>renyah</i> 🍌🍌")
    await siti.taps("Kirim")
    [row] = await rows(core, Listing)
    assert row.name == "<b>Keripik</b> <script>alert(1)</script> 🍌"
    assert row.description == "<i>renyah</i> 🍌🍌"


async def test_unregistered_person_is_sent_to_registration_first(core):
    stranger = Person(core, "7777", "Tamu")
    await stranger.says("/jual")
    assert "daftar dulu" in stranger.last.text


async def test_price_change_goes_live_at_once_and_a_new_name_back_to_review(core, officials):
    siti = await resident(core)
    code = await sell(siti, photos=0)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    await siti.says("/lapaksaya")
    await siti.taps(code)
    await siti.taps("Ubah")
    await siti.taps("✏️ Harga")
    await siti.says("30rb/kg")
    await siti.taps("Kirim")
    assert "langsung" in siti.text
    row = await listing(core, code)
    assert row.status == "live" and row.price == 30_000
    await siti.says("/lapaksaya")
    await siti.taps(code)
    await siti.taps("Ubah")
    await siti.taps("✏️ Nama")
    await siti.says("Kopi robusta premium")
    await siti.taps("Kirim")
    row = await listing(core, code)
    assert row.status == "pending" and row.name == "Kopi robusta premium"
    assert not await findable(core, row)


async def test_limit_of_live_listings_per_seller_is_said_plainly(core, clock):
    siti = await resident(core)
    for n in range(10):
        if n and n % 3 == 0:
            clock.advance(days=1, minutes=1)
        await sell(siti, photos=0)
    clock.advance(days=1, minutes=1)
    await siti.says("/jual")
    assert "10 produk" in siti.last.text and "Lapak saya" in siti.last.text
    assert len(await rows(core, Listing)) == 10


async def test_free_text_names_the_product_and_antrian_lists_it(core, officials):
    siti = await resident(core)
    await siti.says("mau jual kopi")
    assert "Langkah 1 dari 3" in siti.last.text and "kategori" in siti.last.text
    await siti.taps("Kebun")
    await siti.says("20.000 per kg")
    await siti.taps("Lewati")
    assert "Kopi" in siti.last.text and "Rp20.000/kg" in siti.last.text
    await siti.taps("Kirim")
    [case] = [c for c in await rows(core, Case) if c.kind == "listing"]
    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    assert case.code in sekdes.text and "menunggu persetujuan" in sekdes.text


async def test_shown_whatsapp_number_is_checked_and_take_down_tells_the_seller(core, officials):
    siti = await resident(core)
    await siti.says("/jual")
    await siti.says("Gula aren cetak")
    await siti.taps("Makanan")
    await siti.says("15rb/butir")
    await siti.taps("Lewati")
    await siti.taps("Cara pembeli")
    await siti.taps("Tampilkan WA")
    await siti.says("12345")
    assert "08" in siti.last.text and "WhatsApp" in siti.last.text
    await siti.says("0812 3456 7890")
    assert "+62 812-3456-7890" in siti.last.text
    await siti.taps("Kirim")
    [row] = await rows(core, Listing)
    assert row.contact_mode == "wa" and row.whatsapp == "+6281234567890"
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, row.code))["✅ Tayangkan"])
    await sekdes.presses((await card_buttons(core, row.code))["⛔ Turunkan"])
    await sekdes.says("Dilaporkan warga: barang tidak ada")
    [row] = await rows(core, Listing)
    assert row.status == "removed" and not await findable(core, row)
    told = (await messages_to(core, "1001"))[-1]
    assert "Diturunkan" in told and "barang tidak ada" in told


async def test_a_seller_who_deletes_their_data_leaves_the_market_with_their_number(core, officials):
    siti = await resident(core)
    await siti.says("/jual")
    await siti.says("Gula aren cetak")
    await siti.taps("Makanan")
    await siti.says("15rb/butir")
    await siti.taps("Lewati")
    await siti.taps("Cara pembeli")
    await siti.taps("Tampilkan WA")
    await siti.says("0812 3456 7890")
    await siti.taps("Kirim")
    [row] = await rows(core, Listing)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, row.code))["✅ Tayangkan"])
    assert await findable(core, await listing(core, row.code))

    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    row = await listing(core, row.code)
    assert row.status == "withdrawn" and row.whatsapp is None
    assert not await findable(core, row)
    [case] = [c for c in await rows(core, Case) if c.id == row.case_id]
    assert case.status == "withdrawn" and "+6281234567890" not in str(case.data)
    # The officials' card no longer offers to take it down.
    card = [m for m in await messages_to(core, ADMIN) if row.code in m][-1]
    assert "Ditarik" in card


async def test_stock_is_changed_from_lapak_saya_and_buyers_see_it_at_once(core, officials):
    siti = await resident(core)
    code = await sell(siti, photos=0)
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    await siti.says("/lapaksaya")
    await siti.taps(code)
    await siti.taps("Ubah")
    await siti.taps("✏️ Stok")
    assert "dalam kg" in siti.last.text
    await siti.says("banyak sekali")
    assert "dengan angka" in siti.text and "Berapa banyak" in siti.last.text
    await siti.says("0")
    assert "Terjual" in siti.text
    await siti.says("1.500 kg")
    assert "Stok: 1.500 kg" in siti.last.text
    await siti.taps("Kirim")
    assert "langsung" in siti.text
    row = await listing(core, code)
    assert row.status == "live" and row.stock == 1500
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says("cari kopi")
    await budi.taps("Kopi robusta")
    assert "Stok: 1.500 kg" in budi.last.text
