"""Profil Saya: seeing, correcting and deleting one's own data."""

from __future__ import annotations

from storage.models import ChannelIdentity, Conversation
from tests.helpers import Person, citizens, outbox, register, rows


async def test_profile_shows_masked_nik_and_local_time(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/profil")
    text = siti.last.text
    assert "1804**********02" in text and "1804074107900002" not in text
    assert "22 November 2026 11.00 WIB" in text
    assert "Siti Aminah" in text


async def test_correcting_a_field_updates_it_and_asks_officials_again(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/profil")
    await siti.taps("Ubah data")
    assert "Langkah" not in siti.last.text  # straight to the summary
    await siti.taps("RT/RW")
    await siti.says("007/002")
    await siti.taps("Simpan")
    [citizen] = await citizens(core)
    assert (citizen.rt, citizen.rw) == ("007", "002")
    assert citizen.version == 2
    cards = [m.payload["text"] for m in await outbox(core)]
    assert len(cards) == 2 and "007/002" in cards[1]


async def test_saving_without_changes_changes_nothing(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/profil")
    await siti.taps("Ubah data")
    await siti.taps("Simpan")
    [citizen] = await citizens(core)
    assert citizen.version == 1
    assert len(await outbox(core)) == 1


async def test_delete_my_data_asks_first_then_anonymises(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/hapusdata")
    assert "Hapus semua data Anda?" in siti.last.text and "dianonimkan" in siti.last.text
    await siti.taps("Jangan hapus")
    [citizen] = await citizens(core)
    assert citizen.nik is not None

    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    [citizen] = await citizens(core)
    assert citizen.deleted_at is not None
    assert (citizen.full_name, citizen.nik, citizen.phone, citizen.dusun) == (None,) * 4
    [identity] = await rows(core, ChannelIdentity)
    assert identity.citizen_id is None
    assert await rows(core, Conversation) == []

    await siti.says("/start")
    assert "📝 Daftar" in siti.buttons()  # can register afresh


async def test_deleted_nik_can_register_again(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    await register(siti)
    assert len([c for c in await citizens(core) if c.nik]) == 1


async def test_profile_before_registration_offers_registration(core):
    siti = Person(core)
    await siti.says("/profil")
    assert "UU PDP" in siti.text


async def test_deleting_data_clears_the_officials_cards(core):
    """Regression: the admin chat kept the name of a resident who deleted their data."""
    siti = Person(core)
    await register(siti)
    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    messages = await outbox(core)
    assert all("Siti" not in m.payload["text"] for m in messages)
    [edit] = [m for m in messages if m.payload.get("replaces_key") == "citizen-card:1:1"]
    assert edit.chat_id == "-1001000000001"
