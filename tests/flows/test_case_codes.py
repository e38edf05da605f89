"""Tracking codes: unique per village, longer when a village's short ones run out, never a hang.

A one-letter alphabet makes every four-character code ADU-AAAA, so a village's short codes
are used up by its first case.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from flows.cases import lifecycle
from storage.models import Case
from tests.flows.test_complaints import card_buttons, official, report
from tests.helpers import Person, register, rows

OTHER_ADMIN = "-1001000000002"  # Sukamakmur's admin chat


@pytest.fixture
def one_letter_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "CODE_ALPHABET", "A")


async def resident_of(core, village: str, user_id: str, name: str, nik: str) -> Person:
    person = Person(core, user_id, name.split()[0])
    dusun = "Krajan" if village == "Sukamaju" else "Lingkungan Satu"
    await register(
        person, village=village, dusun=dusun, name=name, nik=nik, phone=f"08123456{user_id}"
    )
    return person


async def test_same_code_in_two_villages_is_found_in_each(core, officials, one_letter_codes):
    budi = await resident_of(core, "Sukamakmur", "2002", "Budi Santoso", "7371010101900003")
    budi_code = await report(budi, "Lampu jalan di lingkungan satu mati", where=None)
    siti = await resident_of(core, "Sukamaju", "1001", "Siti Aminah", "1804074107900002")
    siti_code = await report(siti, "Jembatan bambu di Krajan hampir putus", where=None)
    assert siti_code == budi_code == "ADU-AAAA"

    await siti.says("/status ADU-AAAA")
    assert "Jembatan bambu" in siti.text and "Lampu jalan" not in siti.text
    await budi.says("/status adu-aaaa")
    assert "Lampu jalan" in budi.text and "Jembatan bambu" not in budi.text

    sekdes = official(core, officials)
    await sekdes.says("/kasus ADU-AAAA")
    assert "Siti Aminah" in sekdes.text and "Budi" not in sekdes.text
    officials.members.add((OTHER_ADMIN, "9002"))
    lurah = Person(core, "9002", "Pak Lurah", chat=OTHER_ADMIN)
    await lurah.says("/kasus ADU-AAAA")
    assert "Budi Santoso" in lurah.text and "Siti" not in lurah.text


async def test_duplicate_note_names_a_case_of_the_same_village(core, officials, one_letter_codes):
    budi = await resident_of(core, "Sukamakmur", "2002", "Budi Santoso", "7371010101900003")
    await report(budi, "Lampu jalan di lingkungan satu mati", where=None)  # ADU-AAAA there
    siti = await resident_of(core, "Sukamaju", "1001", "Siti Aminah", "1804074107900002")
    first = await report(siti, "Jembatan bambu di Krajan hampir putus", where=None)
    second = await report(siti, "Got mampet di depan balai dusun Krajan", where=None)
    assert (first, second) == ("ADU-AAAA", "ADU-AAAAA")

    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, second))["🔁 Duplikat"])
    await sekdes.says(first)
    by_description = {c.data["description"]: c for c in await rows(core, Case)}
    duplicate = by_description["Got mampet di depan balai dusun Krajan"]
    assert duplicate.status == "duplicate"
    assert duplicate.related_case_id == by_description["Jembatan bambu di Krajan hampir putus"].id


async def test_village_out_of_short_codes_gets_a_longer_one(core, one_letter_codes, caplog):
    siti = await resident_of(core, "Sukamaju", "1001", "Siti Aminah", "1804074107900002")
    first = await report(siti, "Jembatan bambu di Krajan hampir putus", where=None)
    with caplog.at_level(logging.WARNING, logger="flows.cases.lifecycle"):
        second = await report(siti, "Got mampet di depan balai dusun Krajan", where=None)
    assert (first, second) == ("ADU-AAAA", "ADU-AAAAA")
    assert f"/status {second}" in siti.text
    [warning] = caplog.records
    assert "no free 4-character ADU code" in warning.getMessage()


async def test_no_free_code_gives_up_with_a_clear_error(core, one_letter_codes, caplog):
    siti = await resident_of(core, "Sukamaju", "1001", "Siti Aminah", "1804074107900002")
    await report(siti, "Jembatan bambu di Krajan hampir putus", where=None)
    await report(siti, "Got mampet di depan balai dusun Krajan", where=None)
    with caplog.at_level(logging.WARNING):
        await siti.says("/lapor")
        await siti.taps("Jalan & Jembatan")
        await siti.says("Pohon tumbang menutup jalan ke sawah")
        await siti.taps("Lewati")
        await siti.says("dekat sawah pak RT")
        await siti.taps("✅ Kirim")  # returns: it does not draw codes forever
    assert "Maaf" in siti.text  # the runner's usual apology
    assert len(await rows(core, Case)) == 2
    [failure] = [r for r in caplog.records if r.exc_info]
    assert isinstance(failure.exc_info[1], lifecycle.CodesExhausted)
    assert "no free ADU tracking code" in str(failure.exc_info[1])
    logged = "\n".join(caplog.text.splitlines())
    for personal in ("Siti", "1804074107900002", "Pohon tumbang", "sawah"):
        assert personal not in logged


async def test_two_reports_sent_at_once_get_different_codes(core, monkeypatch):
    """Both draw ADU-AAAA first; the unique constraint, not a lookup, sends one to draw again."""
    draws = iter(["ADU-AAAA", "ADU-AAAA", "ADU-CCCC"])
    monkeypatch.setattr(lifecycle, "new_code", lambda _kind, _length=4: next(draws))
    siti = await resident_of(core, "Sukamaju", "1001", "Siti Aminah", "1804074107900002")
    budi = await resident_of(core, "Sukamaju", "2002", "Budi Santoso", "1804070101900003")
    for person, text in ((siti, "Jembatan bambu hampir putus"), (budi, "Got mampet di pasar")):
        await person.says("/lapor")
        await person.taps("Jalan & Jembatan")
        await person.says(text)
        await person.taps("Lewati")
        await person.says("dekat balai dusun")
    await asyncio.gather(siti.taps("✅ Kirim"), budi.taps("✅ Kirim"))
    assert sorted(c.code for c in await rows(core, Case)) == ["ADU-AAAA", "ADU-CCCC"]
    assert "/status ADU-" in siti.text and "/status ADU-" in budi.text
