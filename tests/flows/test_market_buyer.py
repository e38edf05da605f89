"""Lapak Desa, the buyer's side: search, pages, opening a listing, end to end in-process."""

from __future__ import annotations

from bot.app import build_core
from tests.conftest import TWO_VILLAGES, settings_for
from tests.flows.test_complaints import card_buttons, official, resident
from tests.flows.test_linking import WhatsAppPerson
from tests.flows.test_market import listing, sell
from tests.helpers import Person, register


async def _live(core, officials, seller) -> str:
    code = await sell(seller, photos=1)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Tayangkan"])
    return code


async def test_buyer_types_a_slip_finds_and_opens_the_listing(core, officials):
    siti = await resident(core)
    code = await _live(core, officials, siti)
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says("cari kopi robsta")
    assert "Kopi robusta bubuk" in budi.last.text and "Rp25.000/kg" in budi.last.text
    assert "Siti" in budi.last.text and "Aminah" not in budi.last.text
    assert "1001" not in budi.last.text
    await budi.taps("Kopi robusta")
    assert "Kopi robusta bubuk" in budi.last.text and budi.last.media
    assert "1001" not in budi.last.text and "WhatsApp" not in budi.last.text
    assert (await listing(core, code)).views == 1
    await budi.says("/cari kopi")
    await budi.taps("Kopi robusta")
    assert (await listing(core, code)).views == 2


async def test_pending_and_sold_listings_are_not_shown(core, officials):
    siti = await resident(core)
    await sell(siti, photos=0)
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says("beli kopi")
    assert "Kopi robusta" not in budi.last.text
    code = await _live(core, officials, siti)
    await budi.says("beli kopi")
    assert "Kopi robusta" in budi.last.text
    await siti.says("/lapaksaya")
    await siti.taps(code)
    await siti.taps("Terjual")
    await budi.says("beli kopi")
    assert "Kopi robusta" not in budi.last.text


async def test_seven_results_page_forward_and_back(core, officials):
    sellers = [
        await resident(core, f"10{n}1", name, f"180407410790000{n + 4}")
        for n, name in enumerate(("Ani Lestari", "Dewi Sari", "Eka Putri"))
    ]
    for n in range(7):
        await _live(core, officials, sellers[n % 3])
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says("/cari kopi")
    assert "1 dari 2" in budi.last.text and "5." in budi.last.text
    await budi.taps("Berikutnya")
    assert "2 dari 2" in budi.last.text and "7." in budi.last.text
    await budi.taps("Sebelumnya")
    assert "1 dari 2" in budi.last.text


async def test_whatsapp_buyer_finds_from_the_menu_button(core, officials):
    siti = await resident(core)
    await _live(core, officials, siti)
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    await wa.says("/menu")
    await wa.taps("Lapak Desa")
    await wa.taps("Cari")
    assert "cari kopi" in wa.last.text
    await wa.says("cari kopi robsta")
    assert "Kopi robusta bubuk" in wa.last.text and "1001" not in wa.last.text
    await wa.taps("Kopi robusta")
    assert "Kopi robusta bubuk" in wa.last.text and "WhatsApp:" not in wa.last.text


async def test_a_category_newest_first_with_photos_and_back_to_the_results(core, officials):
    siti = await resident(core)
    await _live(core, officials, siti)
    code = await sell(siti, photos=1, name="Gula aren cetak", price="15rb/kg")
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    code = await sell(siti, photos=1, name="Pisang kepok", category="Hasil Tani")
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says("/menu")
    await budi.taps("Lapak Desa")
    await budi.taps("Kategori")
    await budi.taps("Kebun")
    page = budi.last
    assert page.text.index("Gula aren cetak") < page.text.index("Kopi robusta bubuk")
    assert "Pisang" not in page.text
    assert [m.caption for m in page.media] == ["1. Gula aren cetak", "2. Kopi robusta bubuk"]
    await budi.taps("2. Kopi robusta")
    assert "Kopi robusta bubuk" in budi.last.text and "Kode: LPK-" in budi.last.text
    await budi.taps("Kembali ke hasil")
    assert budi.last.text == page.text


async def test_a_search_widens_to_the_kecamatan_own_village_first(
    tmp_path, db_url, clock, officials
):
    config = tmp_path / "balai.toml"
    config.write_text(
        TWO_VILLAGES.read_text() + '\n[[villages]]\ncode = "18.04.07.2002"\nname = "Sumberjaya"\n'
        'kecamatan = "Way Jepara"\nkabupaten = "Kabupaten Lampung Timur"\n'
        'timezone = "Asia/Jakarta"\nadmin_chat_id = -1001000000003\ndusun = ["Talang"]\n'
    )
    core = await build_core(settings_for(db_url, config), officials, admin_channel="telegram")
    try:
        neighbour = Person(core, "1003", "Wati")
        await register(
            neighbour,
            village="Sumberjaya",
            name="Wati Susanti",
            nik="1804074107900004",
            dusun="Talang",
            phone="081234561003",
        )
        officials.members.add(("-1001000000003", "9003"))
        code = await sell(neighbour, photos=0, name="Kopi luwak asli")
        card = (await card_buttons(core, code, chat="-1001000000003"))["✅ Tayangkan"]
        await Person(core, "9003", "Kades", chat="-1001000000003").presses(card)
        siti = await resident(core)
        await _live(core, officials, siti)
        await siti.says("cari kopi")
        assert "Kopi robusta bubuk" in siti.last.text and "luwak" not in siti.last.text
        await siti.taps("Cari di kecamatan")
        text = siti.last.text
        assert "Kecamatan Way Jepara" in text
        assert text.index("Kopi robusta bubuk") < text.index("Kopi luwak asli · ")
        assert "Talang, Sumberjaya" in text
        await siti.taps("2. Kopi luwak")
        assert "📍 Talang, Sumberjaya" in siti.last.text
    finally:
        await core.close()
