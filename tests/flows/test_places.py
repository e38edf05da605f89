"""Choosing one's village in a kabupaten where two villages share a name."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Core, build_core
from tests.conftest import ROOT, settings_for
from tests.helpers import Person, citizens, conversation_of, outbox

# Ten pekon, more than fit on buttons; and four, few enough for buttons. Both hold two
# named Gunung Sugih, in Kec. Balik Bukit and in Kec. Batu Brak.
LAMPUNG_BARAT = ROOT / "tests" / "fixtures" / "lampung_barat.toml"
TWIN_VILLAGES = ROOT / "tests" / "fixtures" / "twin_villages.toml"
IN_BALIK_BUKIT, IN_BATU_BRAK = "18.04.01.2001", "18.04.07.2001"


@pytest.fixture
async def kabupaten(db_url, clock, officials) -> AsyncIterator[Core]:
    settings = settings_for(db_url, LAMPUNG_BARAT)
    built = await build_core(settings, officials, admin_channel="telegram", clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def few_villages(db_url, clock, officials) -> AsyncIterator[Core]:
    settings = settings_for(db_url, TWIN_VILLAGES)
    built = await build_core(settings, officials, admin_channel="telegram", clock=clock)
    yield built
    await built.close()


async def chosen_village(core: Core, person: Person) -> str:
    conversation = await conversation_of(core, person.user_id)
    assert conversation is not None
    return str(conversation.form["village_code"])


async def at_village_question(core: Core, user_id: str = "1001") -> Person:
    person = Person(core, user_id)
    await person.says("/daftar")
    await person.taps("Saya setuju")
    return person


async def test_village_name_shared_by_two_villages_is_asked_not_guessed(kabupaten):
    """Regression: typing a name two villages share registered the person in one of them."""
    siti = await at_village_question(kabupaten)
    assert "ketik" in siti.last.text.lower()  # ten villages: typed, not tapped
    await siti.says("Gunung Sugih")
    assert "2 desa bernama Gunung Sugih" in siti.replies[0].text
    assert "kecamatan" in siti.last.text.lower()
    assert {"Balik Bukit", "Batu Brak"} <= set(siti.buttons())
    assert await chosen_village(kabupaten, siti) == ""  # nothing guessed

    await siti.taps("Batu Brak")
    assert "nama lengkap" in siti.last.text.lower()
    assert await chosen_village(kabupaten, siti) == IN_BATU_BRAK
    await siti.says("Siti Aminah")
    await siti.says("1804074107900002")
    await siti.taps("Talang Padang")  # Batu Brak's Gunung Sugih has its own dusun
    await siti.says("003/005")
    await siti.says("081234567890")
    assert "Gunung Sugih (Kec. Batu Brak)" in siti.last.text  # the summary says which
    await siti.taps("Simpan")
    [citizen] = await citizens(kabupaten)
    assert kabupaten.services.village_ids[IN_BATU_BRAK] == citizen.village_id
    [card] = await outbox(kabupaten)
    assert card.chat_id == "-1002000072001"  # Batu Brak's Gunung Sugih's officials


async def test_shared_village_name_with_its_kecamatan_typed_is_understood(kabupaten):
    budi = await at_village_question(kabupaten, "2002")
    await budi.says("desa gunung sugih kecamatan balik bukit")
    assert "nama lengkap" in budi.last.text.lower()
    assert await chosen_village(kabupaten, budi) == IN_BALIK_BUKIT

    siti = await at_village_question(kabupaten)
    await siti.says("gunung sugih")
    await siti.says("batu brak")  # the kecamatan asked for, typed instead of tapped
    assert "nama lengkap" in siti.last.text.lower()
    assert await chosen_village(kabupaten, siti) == IN_BATU_BRAK


async def test_close_names_including_a_shared_one_are_told_apart(kabupaten):
    siti = await at_village_question(kabupaten)
    await siti.says("gunung")  # Gunung Sugih twice, Gunung Terang
    text = siti.last.text
    assert "Gunung Sugih (Kec. Balik Bukit)" in text and "Gunung Sugih (Kec. Batu Brak)" in text
    assert "Gunung Terang" in text
    labels = [b for b in siti.buttons() if "Gunung" in b]
    assert len(labels) == len(set(labels)) == 3
    assert all(len(label) <= 20 for label in siti.buttons())
    [batu_brak] = [line for line in text.splitlines() if "Batu Brak" in line]
    number = batu_brak.split(".")[0]
    await siti.taps(f"{number}. Gunung Sugih")
    assert await chosen_village(kabupaten, siti) == IN_BATU_BRAK


async def test_shared_village_names_on_buttons_name_their_kecamatan(few_villages):
    siti = await at_village_question(few_villages)
    text = siti.last.text
    assert "1. Gunung Sugih (Kec. Balik Bukit)" in text
    assert "3. Gunung Sugih (Kec. Batu Brak)" in text
    village_buttons = [b for b in siti.buttons() if b[0].isdigit()]
    assert len(village_buttons) == len(set(village_buttons)) == 4
    assert all(len(label) <= 20 for label in siti.buttons())
    await siti.taps("3. Gunung Sugih")
    assert await chosen_village(few_villages, siti) == IN_BATU_BRAK

    budi = await at_village_question(few_villages, "2002")
    await budi.says("1")  # the number typed instead of tapped
    assert await chosen_village(few_villages, budi) == IN_BALIK_BUKIT
