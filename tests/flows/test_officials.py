"""The admin chat: only members act, every action is audited, stale cards are refused."""

from __future__ import annotations

import asyncio

from tests.flows.racing import verified_meanwhile
from tests.helpers import Person, audit, citizens, outbox, register

ADMIN = "-1001000000001"


async def resident_and_card(core) -> str:
    await register(Person(core))
    [card] = await outbox(core)
    return card.payload["buttons"][0][0][1]


async def test_official_verifies_and_the_resident_is_told(core, officials):
    verify = await resident_and_card(core)
    officials.members.add((ADMIN, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    await sekdes.presses(verify)
    assert "Pak Sekdes" in sekdes.last.text and sekdes.last.replace_origin
    assert not sekdes.last.buttons  # nothing left to press
    [citizen] = await citizens(core)
    assert citizen.verified_by == "Pak Sekdes"
    told = [m for m in await outbox(core) if m.chat_id == "1001"]
    assert len(told) == 1 and "memverifikasi" in told[0].payload["text"]
    [entry] = await audit(core)
    assert (entry.actor_id, entry.action, entry.outcome) == ("9001", "verify_citizen", "done")
    assert entry.record_id == citizen.id


async def test_non_member_press_is_refused_and_logged(core, officials):
    verify = await resident_and_card(core)
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    await stranger.presses(verify)
    assert "hanya untuk petugas" in stranger.last.text.lower()
    [citizen] = await citizens(core)
    assert citizen.verified_at is None
    [entry] = await audit(core)
    assert (entry.actor_id, entry.outcome) == ("6666", "refused")


async def test_second_press_and_stale_card_are_refused(core, officials):
    verify = await resident_and_card(core)
    officials.members.update({(ADMIN, "9001"), (ADMIN, "9002")})
    await Person(core, "9001", "Pak Sekdes", chat=ADMIN).presses(verify)
    kaur = Person(core, "9002", "Bu Kaur", chat=ADMIN)
    await kaur.presses(verify)
    assert "Pak Sekdes" in kaur.replies[0].text
    assert [e.outcome for e in await audit(core)] == ["done", "stale"]
    assert len([m for m in await outbox(core) if m.chat_id == "1001"]) == 1  # told once


async def test_card_older_than_the_residents_change_is_refused(core, officials):
    siti = Person(core)
    await register(siti)
    [card] = await outbox(core)
    old_verify = card.payload["buttons"][0][0][1]
    await siti.says("/profil")
    await siti.taps("Ubah data")
    await siti.taps("Nama")
    await siti.says("Siti Aminah Lestari")
    await siti.taps("Simpan")
    officials.members.add((ADMIN, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    await sekdes.presses(old_verify)
    assert "Siti Aminah Lestari" in sekdes.last.text  # refreshed card
    [citizen] = await citizens(core)
    assert citizen.verified_at is None


async def test_card_from_another_village_is_refused(core, officials):
    verify = await resident_and_card(core)
    other_admin = "-1001000000002"
    officials.members.add((other_admin, "9003"))
    person = Person(core, "9003", "Petugas Lain", chat=other_admin)
    await person.presses(verify)
    [citizen] = await citizens(core)
    assert citizen.verified_at is None


async def test_group_that_is_no_admin_chat_is_refused_for_commands_only(core):
    person = Person(core, "7777", "Warga", chat="-100999")
    await person.says("/bantuan")
    assert "pribadi" in person.last.text
    await person.says("halo semua")
    assert person.replies == []  # ordinary group chatter gets no answer
    [entry] = await audit(core)
    assert entry.outcome == "refused"


async def test_admin_help_for_officials(core, officials):
    officials.members.add((ADMIN, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    await sekdes.says("/bantuan")
    assert "Sukamaju" in sekdes.last.text


async def test_two_officials_verifying_at_once_one_wins(core, officials, monkeypatch):
    """Regression: both presses were audited as done and the later overwrote the first."""
    verify = await resident_and_card(core)
    officials.members.update({(ADMIN, "9001"), (ADMIN, "9002")})
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    kaur = Person(core, "9002", "Bu Kaur", chat=ADMIN)

    # Bu Kaur's press lands between Pak Sekdes's read of the resident and his write.
    raced = verified_meanwhile(monkeypatch, by="Bu Kaur")
    await sekdes.presses(verify)
    assert raced

    [entry] = [e for e in await audit(core) if e.action == "verify_citizen"]
    assert entry.outcome == "stale" and entry.actor_id == "9001"
    [citizen] = await citizens(core)
    assert citizen.verified_by == "Bu Kaur" and citizen.version == 2
    assert not [m for m in await outbox(core) if m.chat_id == "1001"]  # not told by the loser
    assert "Sudah diverifikasi oleh Bu Kaur" in sekdes.replies[0].text
    assert "Bu Kaur" in sekdes.last.text and not sekdes.last.buttons  # the current card
    await kaur.presses(verify)  # a second press on the old card changes nothing either
    [citizen] = await citizens(core)
    assert citizen.verified_by == "Bu Kaur" and citizen.version == 2


async def test_two_officials_pressing_together_are_taken_one_after_the_other(core, officials):
    """End to end under concurrency: one verification, one refusal, one notice."""
    verify = await resident_and_card(core)
    officials.members.update({(ADMIN, "9001"), (ADMIN, "9002")})
    sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
    kaur = Person(core, "9002", "Bu Kaur", chat=ADMIN)
    await asyncio.gather(sekdes.presses(verify), kaur.presses(verify))
    entries = [e for e in await audit(core) if e.action == "verify_citizen"]
    assert sorted(e.outcome for e in entries) == ["done", "stale"]
    [citizen] = await citizens(core)
    assert citizen.version == 2
    assert len([m for m in await outbox(core) if m.chat_id == "1001"]) == 1  # told once
