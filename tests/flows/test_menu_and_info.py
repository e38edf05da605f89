"""The menu, Info Desa, free text, help and language."""

from __future__ import annotations

from tests.helpers import Person, register


async def test_info_desa_for_a_resident_shows_their_village(core):
    siti = Person(core)
    await register(siti)
    await siti.taps("Info Desa")
    assert "Sukamaju" in siti.last.text and "08.00 - 15.00" in siti.last.text
    assert "0725-123456" in siti.last.text
    assert "1. Syarat surat domisili?" in siti.last.text  # too long for a button
    await siti.taps("❔ 1")
    assert "KTP dan KK asli" in siti.last.text


async def test_info_desa_asks_the_village_when_unknown(core):
    budi = Person(core, "2002")
    await budi.says("/info")
    await budi.says("sukamakmur")
    assert "Mariso" in budi.last.text and "WITA" in budi.last.text


async def test_info_desa_in_a_one_village_deployment_needs_no_question(one_village_core):
    budi = Person(one_village_core, "2002")
    await budi.says("jam buka kantor desa")
    assert "Senin - Kamis" in budi.last.text


async def test_free_text_with_typos_finds_registration(core):
    budi = Person(core, "2002")
    await budi.says("mau daftr dong")
    assert "UU PDP" in budi.text


async def test_unknown_text_brings_the_menu_back(core):
    budi = Person(core, "2002")
    await budi.says("qwertyuiop zxcv")
    assert "📝 Daftar" in budi.buttons()
    assert "saya tidak memahami pesan itu" in budi.last.text


async def test_unclear_text_offers_the_closest_options(core):
    budi = Person(core, "2002")
    await budi.says("bantu")
    assert "❓ Bantuan" in budi.buttons()


async def test_help_lists_the_commands(core):
    budi = Person(core, "2002")
    await budi.says("/bantuan")
    assert "/batal" in budi.text and "/hapusdata" in budi.text


async def test_help_in_a_form_keeps_the_form(core):
    budi = Person(core, "2002")
    await budi.says("/daftar")
    await budi.taps("setuju")
    await budi.says("/bantuan")
    assert "/batal" in budi.text and "Langkah 2 dari 7" in budi.last.text


async def test_language_switch_to_english_and_back(core):
    budi = Person(core, "2002")
    await budi.says("/bahasa")
    await budi.taps("English")
    assert "📝 Register" in budi.buttons()
    await budi.says("/daftar")
    assert "Step 1 of 7" in budi.text
    await budi.says("/bahasa")
    await budi.taps("Bahasa Indonesia")
    assert "Langkah 1 dari 7" in budi.last.text  # the form carries on, in Indonesian


async def test_unknown_command_gets_the_menu(core):
    budi = Person(core, "2002")
    await budi.says("/foo")
    assert "📝 Daftar" in budi.buttons()
