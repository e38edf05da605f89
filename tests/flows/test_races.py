"""Many updates at once: double taps, officials pressing together, supporters racing a close.

The runner takes one update per person at a time, but different people's updates run
concurrently, and a second runner (another process) shares the database without sharing
that lock. Whatever the order the database takes them in, what is stored, what each
person is told and what is queued for others must agree.

SQLite takes one writer at a time, so the gathers below check the outcome of whatever
order it chose; the races PostgreSQL would let interleave inside a transaction are
played out deterministically with the helpers of tests/flows/racing.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import Core, build_core
from bot.reminders import CaseWatch
from flows.engine.types import Kind, Location, Reply
from storage.models import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseSubscriber,
    ChannelIdentity,
)
from tests.conftest import settings_for
from tests.flows.racing import case_changed_meanwhile, written_first
from tests.flows.test_complaints import (
    ADMIN,
    MASJID,
    POTHOLE,
    card_buttons,
    messages_to,
    official,
    report,
    resident,
    resolved,
)
from tests.helpers import Person, citizens, fill_registration, outbox, rows

NAMES = (
    "Agus Salim", "Bambang Irawan", "Cahya Lestari", "Dewi Sartika", "Eko Prasetyo",
    "Fajar Nugroho", "Gita Permata", "Hadi Susanto", "Indah Wulandari", "Joko Widodo",
    "Kartini Ayu", "Lukman Hakim", "Maya Sari", "Nanda Putra", "Oki Setiawan",
    "Putri Ayu", "Rahmat Hidayat", "Sri Rahayu", "Taufik Rahman", "Umar Bakri",
)  # fmt: skip


def nik(n: int) -> str:
    """A valid NIK of Lampung Timur, one per n."""
    return f"180407010190{n + 100:04d}"


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


@pytest.fixture
async def second_runner(db_url, clock, officials) -> AsyncIterator[Core]:
    """Another process on the same database: its own runner, its own per-person locks."""
    built = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    yield built
    await built.close()


async def residents(core: Core, count: int) -> list[Person]:
    """`count` residents registering at the same time (first contacts racing too)."""
    people = [Person(core, f"{3000 + n}", NAMES[n].split()[0]) for n in range(count)]
    await asyncio.gather(
        *(
            fill_registration(p, name=NAMES[n], nik=nik(n), phone=f"0812345{3000 + n}")
            for n, p in enumerate(people)
        )
    )
    assert all("terdaftar" in p.text for p in people), [p.text for p in people]
    return people


async def at_the_send_button(person: Person, text: str = POTHOLE) -> str:
    """A report filled in up to its summary; gives back the ✅ Kirim button's value."""
    await person.says("/lapor")
    await person.taps("Jalan & Jembatan")
    await person.says(text)
    await person.taps("Lewati")
    await person.says("depan balai dusun Krajan")
    return next(
        b.value for r in person.replies for row in r.buttons for b in row if "✅" in b.label
    )


async def citizen_of(core: Core, user_id: str) -> int:
    [identity] = await rows(core, ChannelIdentity, ChannelIdentity.external_id == user_id)
    assert identity.citizen_id is not None
    return identity.citizen_id


# --- double taps --------------------------------------------------------------------------
async def test_ten_taps_on_send_make_one_report(core):
    siti = await resident(core)
    send = await at_the_send_button(siti)
    answers = await asyncio.gather(*(siti.presses(send) for _ in range(10)))
    [case] = await rows(core, Case)
    received = [a for a in answers if f"Kode laporan: {case.code}" in texts(a)]
    assert len(received) == 1
    for answer in answers:
        assert "Maaf" not in texts(answer)  # no apology: every tap is answered
    cards = [m for m in await outbox(core) if m.chat_id == ADMIN and case.code in m.payload["text"]]
    assert len(cards) == 1


async def test_taps_on_send_through_two_runners_make_one_report(core, second_runner):
    """The runner's per-person lock is per process: the database keeps it to one report."""
    siti = await resident(core)
    send = await at_the_send_button(siti)
    elsewhere = Person(second_runner, siti.user_id, siti.name)
    answers = await asyncio.gather(
        *(person.presses(send) for _ in range(5) for person in (siti, elsewhere))
    )
    [case] = await rows(core, Case)
    assert len([a for a in answers if f"Kode laporan: {case.code}" in texts(a)]) == 1
    assert not [a for a in answers if "Maaf" in texts(a)]


async def test_registering_with_one_nik_at_once_keeps_one_resident(core):
    people = [Person(core, f"{4000 + n}", "Siti") for n in range(10)]
    await asyncio.gather(
        *(
            fill_registration(p, until="save", phone=f"0812345{4000 + n}")
            for n, p in enumerate(people)
        )
    )
    await asyncio.gather(*(p.taps("Simpan") for p in people))
    registered = [p for p in people if "terdaftar" in p.text]
    refused = [p for p in people if "NIK ini tidak dapat dipakai" in p.text]
    assert (len(registered), len(refused)) == (1, 9)
    [citizen] = await citizens(core)
    assert citizen.id == await citizen_of(core, registered[0].user_id)
    cards = [m for m in await outbox(core) if m.dedupe_key.startswith("citizen-card:")]
    assert len(cards) == 1


# --- first contacts -------------------------------------------------------------------------
async def test_fifty_first_contacts_at_once_get_one_identity_each(core, second_runner):
    people = [Person(core, f"{5000 + n}", "Warga") for n in range(50)]
    # The first ten also write through the other process at the same moment.
    twins = [Person(second_runner, p.user_id, p.name) for p in people[:10]]
    answers = await asyncio.gather(
        *(p.says("/start") for p in people), *(t.says("halo") for t in twins)
    )
    for answer in answers:
        assert "Maaf" not in texts(answer) and answer[-1].buttons  # the main menu
    identities = await rows(core, ChannelIdentity)
    assert sorted(i.external_id for i in identities) == sorted(p.user_id for p in people)


async def test_first_message_whose_identity_was_created_meanwhile_is_answered(core):
    """Regression: two first messages of one person; the later found no identity, then
    failed to insert it (the person got the apology)."""
    other_update = (
        "INSERT INTO channel_identities (channel, external_id, locale, created_at) "
        "VALUES ('telegram', '6001', 'id', '2026-11-22 04:00:00.000000')"
    )
    with written_first(core.engine, "INSERT INTO channel_identities", other_update) as raced:
        answer = await Person(core, "6001", "Rina").says("/start")
    assert raced
    assert "Maaf" not in texts(answer) and answer[-1].buttons
    assert len(await rows(core, ChannelIdentity)) == 1


# --- officials pressing at once -----------------------------------------------------------
async def test_ten_officials_pressing_one_button_make_one_decision(core, officials):
    siti = await resident(core)
    code = await report(siti)
    take = (await card_buttons(core, code))["🛠️ Proses"]
    crew = [official(core, officials, f"{9100 + n}", f"Petugas {n}") for n in range(10)]
    answers = await asyncio.gather(*(p.presses(take) for p in crew))
    [case] = await rows(core, Case)
    assert case.status == "in_progress" and case.version == 2
    for person, answer in zip(crew, answers, strict=True):
        if person.name == case.assignee:
            assert "Sudah ditangani" not in texts(answer) and "Diproses" in texts(answer)
        else:
            assert f"Sudah ditangani oleh {case.assignee}" in answer[0].text
    outcomes = sorted(a.outcome for a in await rows(core, AuditEntry) if a.action == "take")
    assert outcomes == ["done"] + ["stale"] * 9
    assert len([e for e in await rows(core, CaseEvent) if e.action == "take"]) == 1
    assert len([t for t in await messages_to(core, "1001") if "Diproses" in t]) == 1


async def test_ten_officials_verifying_one_resident_at_once_one_wins(core, officials):
    siti = Person(core)
    await fill_registration(siti)
    [card] = await outbox(core)
    verify = card.payload["buttons"][0][0][1]
    crew = [official(core, officials, f"{9200 + n}", f"Petugas {n}") for n in range(10)]
    answers = await asyncio.gather(*(p.presses(verify) for p in crew))
    [citizen] = await citizens(core)
    assert citizen.verified_by is not None and citizen.version == 2
    refused = [a for a in answers if f"Sudah diverifikasi oleh {citizen.verified_by}" in texts(a)]
    assert len(refused) == 9
    outcomes = sorted(e.outcome for e in await rows(core, AuditEntry))
    assert outcomes == ["done"] + ["stale"] * 9
    assert len([m for m in await outbox(core) if m.chat_id == "1001"]) == 1  # told once


async def test_official_pressing_two_cards_quickly_both_count(core, officials):
    siti = await resident(core)
    first = await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    second = await report(budi, "Lampu jalan di gang mawar mati sejak Senin", where=None)
    sekdes = official(core, officials)
    takes = [(await card_buttons(core, code))["🛠️ Proses"] for code in (first, second)]
    # Each card pressed twice (a double tap), both cards at once.
    answers = await asyncio.gather(*(sekdes.presses(t) for t in takes * 2))
    stored = await rows(core, Case)
    assert sorted((c.status, c.version, c.assignee) for c in stored) == [
        ("in_progress", 2, "Pak Sekdes"),
        ("in_progress", 2, "Pak Sekdes"),
    ]
    assert len([a for a in answers if "Sudah ditangani" in texts(a)]) == 2
    for user in ("1001", "2002"):
        assert len([t for t in await messages_to(core, user) if "Diproses" in t]) == 1
    outcomes = sorted(a.outcome for a in await rows(core, AuditEntry) if a.action == "take")
    assert outcomes == ["done", "done", "stale", "stale"]


# --- supporters racing an official's close ---------------------------------------------------
async def at_the_offer_to_support(person: Person, code: str) -> None:
    await person.says("/lapor")
    await person.taps("Jalan & Jembatan")
    await person.says(POTHOLE)
    await person.taps("Lewati")
    await person.sends(Kind.LOCATION, location=Location(-5.2001, 105.6001))
    assert code in person.text and "👍 Ikut mendukung" in person.buttons()


async def test_twenty_residents_supporting_while_an_official_closes_the_report(core, officials):
    siti = await resident(core)
    code = await report(siti, where=MASJID)
    crowd = await residents(core, 20)
    await asyncio.gather(*(at_the_offer_to_support(p, code) for p in crowd))
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Selesai"])
    await asyncio.gather(
        *(p.taps("Ikut mendukung") for p in crowd[:10]),
        sekdes.says("Sudah ditambal dengan aspal"),
        *(p.taps("Ikut mendukung") for p in crowd[10:]),
    )
    [case] = await rows(core, Case)
    assert case.status == "done"
    assert len([e for e in await rows(core, CaseEvent) if e.action == "done"]) == 1

    joined = [p for p in crowd if f"mendukung laporan {code}" in p.text]
    refused = [p for p in crowd if "tidak bisa didukung lagi" in p.text]
    assert len(joined) + len(refused) == 20, [p.text for p in crowd]
    supporters = {s.citizen_id for s in await rows(core, CaseSubscriber) if s.role == "supporter"}
    assert supporters == {await citizen_of(core, p.user_id) for p in joined}
    supported = [e for e in await rows(core, CaseEvent) if e.action == "supported"]
    assert len(supported) == len(joined)
    for person in crowd:
        told = [t for t in await messages_to(core, person.user_id) if "Selesai" in t]
        # Whoever joined before the close hears of it; nobody else is told anything.
        assert len(told) == (1 if person in joined else 0), person.user_id
    for person in refused:
        assert "📝 Tetap kirim baru" in person.buttons()  # the way on: send it as a new one
    last_card = [m for m in await outbox(core) if m.chat_id == ADMIN and code in m.payload["text"]]
    assert f"Warga yang melaporkan: {1 + len(joined)}" in last_card[-1].payload["text"]


async def test_supporting_a_report_closed_meanwhile_is_refused_and_a_new_one_offered(
    core, officials, monkeypatch
):
    """Regression: the supporter's press read the report open, the official's close was
    committed meanwhile, and the supporter was told they support it, subscribed to a
    closed report no notification would ever follow."""
    siti = await resident(core)
    code = await report(siti, where=MASJID)
    [budi] = await residents(core, 1)
    await at_the_offer_to_support(budi, code)
    raced = case_changed_meanwhile(monkeypatch, "by_id", "Pak Sekdes", status="done")
    await budi.taps("Ikut mendukung")
    assert raced
    monkeypatch.undo()
    assert f"Laporan {code} sekarang sudah Selesai, jadi tidak bisa didukung lagi." in budi.text
    assert [s.role for s in await rows(core, CaseSubscriber)] == ["reporter"]
    assert not [e for e in await rows(core, CaseEvent) if e.action == "supported"]
    await budi.taps("Tetap kirim baru")
    await budi.taps("✅ Kirim")
    assert len(await rows(core, Case)) == 2
    assert "Kode laporan: ADU-" in budi.text


# --- timers and late answers ----------------------------------------------------------------
async def test_reminder_is_not_sent_for_a_case_taken_meanwhile(core, clock, monkeypatch):
    """Regression: the case watch read the case as waiting, an official took it meanwhile,
    and the admin chat was still told to take it."""
    siti = await resident(core)
    await report(siti)
    clock.advance(hours=73)
    raced = case_changed_meanwhile(
        monkeypatch, "due", "Pak Sekdes", status="in_progress", assignee="Pak Sekdes"
    )
    assert await CaseWatch(core.services, core.sessions).run_once() == 0
    assert raced
    assert not [t for t in await messages_to(core, ADMIN) if "⏰" in t]


async def test_follow_up_is_not_asked_of_a_report_reopened_meanwhile(
    core, officials, clock, monkeypatch
):
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal dengan aspal")
    clock.advance(days=3, minutes=1)
    raced = case_changed_meanwhile(
        monkeypatch, "followups_due", "citizen", status="in_progress", followup_at=None
    )
    assert await CaseWatch(core.services, core.sessions).run_once() == 0
    assert raced
    assert not [t for t in await messages_to(core, "1001") if "beres" in t]


async def test_rating_a_report_changed_meanwhile_keeps_the_change(
    core, officials, clock, monkeypatch
):
    """Regression: the rating rewrote the report's data as it was read, undoing a
    resolution note written meanwhile."""
    siti, code = await resolved(core, officials, clock)
    [ask] = [m for m in await outbox(core) if m.chat_id == "1001" and "beres" in m.payload["text"]]
    yes = next(v for row in ask.payload["buttons"] for label, v in row if "Sudah" in label)
    await siti.presses(yes)
    [case] = await rows(core, Case)
    newer = {**case.data, "resolution": "Ditambal ulang setelah hujan"}
    raced = case_changed_meanwhile(monkeypatch, "by_id", "Pak Sekdes", data=newer)
    await siti.taps("Sangat baik")
    assert raced
    assert f"{code} baru saja berubah" in siti.text
    async with core.sessions() as session:
        stored = await session.scalar(select(Case))
    assert stored is not None
    assert stored.data["resolution"] == "Ditambal ulang setelah hujan"
    assert stored.data.get("rating") is None
