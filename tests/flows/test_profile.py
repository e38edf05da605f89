"""Profil Saya: seeing, correcting and deleting one's own data."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import ChannelIdentity, Conversation
from tests.flows.racing import verified_meanwhile
from tests.helpers import Person, citizens, outbox, register, rows

ADMIN = "-1001000000001"


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


async def link_second_app(core, user_id: str = "1001") -> Person:
    """The same resident, also writing from another chat app (as linked accounts are)."""
    other = Person(core, user_id, "Siti", channel="simulator")
    await other.says("/start")
    [citizen] = await citizens(core)
    async with core.sessions() as session, session.begin():
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.channel == "simulator")
            .values(citizen_id=citizen.id)
        )
    return other


async def test_profile_edit_does_not_overwrite_a_change_made_meanwhile(core):
    """Regression: a form opened earlier was saved over a newer change, undoing it."""
    siti = Person(core)
    await register(siti)
    other_app = await link_second_app(core)
    await siti.says("/profil")
    await siti.taps("Ubah data")
    await other_app.says("/profil")
    await other_app.taps("Ubah data")

    await siti.taps("Nama")
    await siti.says("Siti Aminah Lestari")
    await siti.taps("Simpan")
    await other_app.taps("Dusun")  # this form still holds the old name
    await other_app.taps("Sidorejo")
    await other_app.taps("Simpan")

    assert "tidak disimpan" in other_app.replies[0].text.lower()
    summary = other_app.last.text
    assert "Siti Aminah Lestari" in summary and "Krajan" in summary  # the data as it is now
    assert "Simpan" in " ".join(other_app.buttons())
    [citizen] = await citizens(core)
    assert (citizen.full_name, citizen.dusun, citizen.version) == (
        "Siti Aminah Lestari",
        "Krajan",
        2,
    )

    await other_app.taps("Dusun")  # corrected again, on the current data
    await other_app.taps("Sidorejo")
    await other_app.taps("Simpan")
    [citizen] = await citizens(core)
    assert (citizen.full_name, citizen.dusun, citizen.version) == (
        "Siti Aminah Lestari",
        "Sidorejo",
        3,
    )


async def test_profile_save_racing_an_officials_verification_keeps_one(
    core, officials, monkeypatch
):
    """Regression: an official verified the old name while the resident saved a new one,
    and the new name was stored as verified."""
    siti = Person(core)
    await register(siti)
    [card] = await outbox(core)
    verify = card.payload["buttons"][0][0][1]
    officials.members.add((ADMIN, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    await sekdes.says("/bantuan")
    await siti.says("/profil")
    await siti.taps("Ubah data")
    await siti.taps("Nama")
    await siti.says("Siti Aminah Lestari")

    # The official's verification lands between the save's read and its write.
    raced = verified_meanwhile(monkeypatch, by="Pak Sekdes")
    await siti.taps("Simpan")
    assert raced

    [citizen] = await citizens(core)
    assert citizen.version == 2  # only the verification was saved
    assert citizen.full_name == "Siti Aminah" and citizen.verified_by == "Pak Sekdes"
    assert "tidak disimpan" in siti.replies[0].text.lower()
    assert "Siti Aminah Lestari" not in siti.last.text  # the data as it is now
    await sekdes.presses(verify)  # the card the official pressed is out of date now
    [citizen] = await citizens(core)
    assert citizen.version == 2 and citizen.verified_by == "Pak Sekdes"


async def test_deleting_data_while_an_official_verifies_erases_and_moves_the_version(
    core, officials, monkeypatch
):
    """Regression: erasing wrote only what differed from the record it had read, so a
    verification saved meanwhile kept its official's name, and both ended on one version."""
    siti = Person(core)
    await register(siti)
    [card] = await outbox(core)
    verify = card.payload["buttons"][0][0][1]
    officials.members.add((ADMIN, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    await sekdes.says("/bantuan")
    await siti.says("/hapusdata")

    # The official's verification lands between the erasure's read and its write.
    raced = verified_meanwhile(monkeypatch, by="Pak Sekdes")
    await siti.taps("Ya, hapus")
    assert raced

    [citizen] = await citizens(core)
    assert citizen.deleted_at is not None
    assert (citizen.full_name, citizen.nik, citizen.phone, citizen.verified_by) == (None,) * 4
    assert citizen.version == 3  # both changes moved the version on
    await sekdes.presses(verify)
    assert "menghapus" in sekdes.text  # the card now says the data is gone
