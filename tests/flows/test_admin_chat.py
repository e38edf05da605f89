"""What officials see in their admin chat: prompts that name their case, old buttons,
refusals shown right under the press, actions a status does not allow, /antrian, /bantuan."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from storage import cases as case_rows
from storage.models import AuditEntry, Case, Conversation
from tests.flows.test_complaints import card_buttons as complaint_buttons
from tests.flows.test_complaints import messages_to, report, resolved
from tests.flows.test_letters import (
    ADMIN,
    card_buttons,
    domisili,
    letters,
    official,
    resident,
)
from tests.helpers import Person, conversation_of, outbox, rows

DOMISILI = "Surat Keterangan Domisili"
ROAD = "Jalan & Jembatan"


async def test_every_note_prompt_names_its_case_among_several(core, officials):
    """Regression: every prompt was headed "📋 Kasus", whichever case it was for."""
    siti = await resident(core)
    first, second = await domisili(siti), await domisili(siti)
    complaint = await report(siti)
    sekdes = official(core, officials)

    await sekdes.presses((await card_buttons(core, second.code))["⛔ Tolak"])
    assert sekdes.text.startswith(f"📄 {second.code} · {DOMISILI}\n")
    assert "📋" not in sekdes.text
    await sekdes.says("/batal")
    assert sekdes.text == f"Dibatalkan. {second.code} tidak diubah."

    await sekdes.presses((await card_buttons(core, first.code))["✏️ Minta perbaikan"])
    assert sekdes.text.startswith(f"📄 {first.code} · {DOMISILI} · Langkah 1 dari 2")
    await sekdes.taps("Keperluan")
    assert sekdes.text.startswith(f"📄 {first.code} · {DOMISILI} · Langkah 1 dari 2")
    await sekdes.taps("Lanjut")
    assert sekdes.text.startswith(f"📄 {first.code} · {DOMISILI} · Langkah 2 dari 2")
    await sekdes.says("/batal")

    await sekdes.presses((await card_buttons(core, first.code))["✅ Setujui"])
    await sekdes.presses((await card_buttons(core, first.code))["📄 Kirim surat"])
    assert sekdes.text.startswith(f"📄 {first.code} · {DOMISILI}\n")
    await sekdes.says("/batal")

    for label in ("❓ Tanya pelapor", "✅ Selesai", "⛔ Tolak"):
        await sekdes.presses((await complaint_buttons(core, complaint))[label])
        assert sekdes.text.startswith(f"📢 {complaint} · {ROAD}\n"), (label, sekdes.text)
        await sekdes.says("/batal")
    [case] = [c for c in await rows(core, Case) if c.code == complaint]
    assert case.status == "new"  # nothing was decided on the way


async def test_a_note_begun_before_prompts_named_their_case_goes_on_named(core, officials):
    """A note stored before the form held the case's code and subject still works, and its
    next prompt names the case."""
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["⛔ Tolak"])
    stored = await conversation_of(core, "9001")
    assert stored is not None and stored.form["code"] == case.code
    old_form = {k: v for k, v in stored.form.items() if k not in ("code", "subject")}
    async with core.sessions() as session, session.begin():
        await session.execute(
            update(Conversation)
            .where(Conversation.identity_id == stored.identity_id)
            .values(form=old_form)
        )
    await sekdes.says("-")  # too short a reason: asked again
    assert "Alasan wajib" in sekdes.text
    assert f"📄 {case.code} · {DOMISILI}" in sekdes.last.text
    await sekdes.says("Data KK tidak sesuai dengan KTP")
    [case] = await letters(core)
    assert case.status == "rejected"


async def test_old_prompt_buttons_show_their_case_as_it_is_now(core, officials):
    """Regression: ❌ Batal on a finished prompt, or a tick on a finished fix list, was
    answered with the group's help about registrations, later with only "no longer
    active", without the case's state."""
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✏️ Minta perbaikan"])
    tick = next(b.value for row in sekdes.last.buttons for b in row if "Keperluan" in b.label)
    await sekdes.presses(tick)
    cancel = next(b.value for row in sekdes.last.buttons for b in row if "Batal" in b.label)
    await sekdes.taps("Lanjut")
    await sekdes.says("Tulis keperluannya lebih lengkap")
    assert "diminta memperbaiki" in sekdes.text
    for old in (cancel, tick):
        await sekdes.presses(old)
        [reply] = sekdes.replies
        assert reply.text.startswith("Tombol itu sudah tidak aktif.\n\n"), old
        assert f"📄 {case.code} · {DOMISILI}\nStatus: Belum lengkap" in reply.text
    await sekdes.presses((await card_buttons(core, case.code))["⛔ Tolak"])
    cancel = next(b.value for row in sekdes.last.buttons for b in row if "Batal" in b.label)
    await sekdes.presses(cancel)
    assert sekdes.text == f"Dibatalkan. {case.code} tidak diubah."
    [case] = await letters(core)
    assert case.status == "incomplete" and case.data["fix"]["flags"] == ["purpose"]


async def test_a_card_button_of_a_removed_action_shows_the_case_now(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses(f"s:archive:{case.id}:{case.version}")
    [reply] = sekdes.replies
    assert reply.text.startswith("Tombol itu sudah tidak aktif.\n\n")
    assert f"📄 {case.code} · {DOMISILI}" in reply.text and "Sedang diperiksa" in reply.text
    assert "✅ Setujui" in sekdes.buttons() and not reply.replace_origin
    [case] = await letters(core)
    assert case.status == "review" and case.version == 1


async def test_second_press_on_a_letter_shows_the_request_right_there(core, officials):
    """Regression: the refusal said "Here is the report as it is now:" and then the card
    edited the pressed message far up the chat, so nothing showed under the note."""
    siti = await resident(core)
    case = await domisili(siti)
    approve = (await card_buttons(core, case.code))["✅ Setujui"]
    sekdes = official(core, officials)
    await sekdes.presses(approve)
    await sekdes.presses(approve)
    [reply] = sekdes.replies
    note, _sep, card = reply.text.partition("\n\n")
    assert note == "Sudah ditangani oleh Pak Sekdes. Berikut keadaan permohonannya sekarang:"
    assert card.startswith(f"📄 {case.code} · {DOMISILI}\nStatus: Menunggu tanda tangan")
    assert not reply.replace_origin  # a new message under the press, not an edit up there
    assert {"🏢 Siap diambil", "📄 Kirim surat"} <= set(sekdes.buttons())
    assert reply.media == ()  # the photos stay with the first card


async def test_second_press_on_a_complaint_says_laporan(core, officials):
    siti = await resident(core)
    code = await report(siti)
    take = (await complaint_buttons(core, code))["🛠️ Proses"]
    sekdes = official(core, officials)
    kaur = official(core, officials, "9002", "Bu Kaur")
    await sekdes.presses(take)
    await kaur.presses(take)
    [reply] = kaur.replies
    assert reply.text.startswith(
        "Sudah ditangani oleh Pak Sekdes. Berikut keadaan laporannya sekarang:\n\n"
        f"📢 {code} · {ROAD}\nStatus: Diproses"
    )
    assert not reply.replace_origin and "✅ Selesai" in kaur.buttons()


async def test_a_change_by_the_applicant_is_not_put_on_an_official(core, officials):
    """The applicant cancelled; the old card's press says so, not "handled by"."""
    siti = await resident(core)
    case = await domisili(siti)
    approve = (await card_buttons(core, case.code))["✅ Setujui"]
    await siti.says("/suratsaya")
    await siti.taps(case.code)
    await siti.taps("Batalkan")
    await siti.taps("Ya, batalkan")
    sekdes = official(core, officials)
    await sekdes.presses(approve)
    [reply] = sekdes.replies
    assert reply.text.startswith("Pemohon baru saja mengubah permohonan ini.")
    assert "Status: Dibatalkan" in reply.text and "ditangani" not in reply.text


async def test_take_is_offered_only_while_new_or_waiting_and_refused_otherwise(core, officials):
    """Regression: 🛠️ Proses on a complaint already Diproses said nothing and the card kept
    offering it."""
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await complaint_buttons(core, code))["🛠️ Proses"])
    assert "🛠️ Proses" not in sekdes.buttons()  # the card redrawn in place
    assert "🛠️ Proses" not in await complaint_buttons(core, code)  # and the card up the chat
    [case] = await rows(core, Case)
    told = len(await messages_to(core, "1001"))

    # A card drawn before this rule (or a forged press) with the current version.
    await sekdes.presses(f"c:take:{case.id}:{case.version}")
    [reply] = sekdes.replies
    assert reply.text.startswith(
        f"Status {code} sekarang Diproses, jadi tombol 🛠️ Proses tidak berlaku."
    )
    assert f"📢 {code} · {ROAD}" in reply.text and not reply.replace_origin
    [after] = await rows(core, Case)
    assert after.version == case.version and len(await messages_to(core, "1001")) == told
    refused = [a for a in await rows(core, AuditEntry) if a.outcome == "refused"]
    assert [(a.action, a.record_id) for a in refused] == [("take", case.id)]

    # Waiting for the reporter: Proses goes on without their answer.
    await sekdes.presses((await complaint_buttons(core, code))["❓ Tanya pelapor"])
    await sekdes.says("Di sebelah mana tepatnya?")
    assert "🛠️ Proses" in await complaint_buttons(core, code)
    await sekdes.presses((await complaint_buttons(core, code))["🛠️ Proses"])
    [case] = await rows(core, Case)
    assert case.status == "in_progress"


async def test_queue_codes_open_their_cards_for_members_of_that_village(core, officials):
    """Regression: /antrian listed codes as plain text."""
    siti = await resident(core)
    case = await domisili(siti)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    [queue] = sekdes.replies
    opens = {b.label: b.value for row in queue.buttons for b in row}
    assert set(opens) == {f"🔎 {case.code}", f"🔎 {code}"}
    assert all(len(v.encode()) <= 64 for v in opens.values())
    assert "Tekan sebuah kode" in queue.text

    await sekdes.presses(opens[f"🔎 {case.code}"])
    card, history = sekdes.replies
    assert card.text.startswith(f"📄 {case.code} · {DOMISILI}") and "✅ Setujui" in sekdes.buttons()
    assert history.text.startswith(f"Riwayat {case.code}")
    await sekdes.taps("✅ Setujui")  # the opened card's buttons act like the card's own
    [case] = await letters(core)
    assert case.status == "signing"

    stranger = Person(core, "6666", "Tamu", chat=ADMIN)
    await stranger.presses(opens[f"🔎 {code}"])
    assert "hanya untuk petugas" in stranger.text
    other_admin = "-1001000000002"
    officials.members.add((other_admin, "9003"))
    elsewhere = Person(core, "9003", "Petugas Lain", chat=other_admin)
    await elsewhere.presses(opens[f"🔎 {code}"])
    assert elsewhere.text == "Kartu ini tidak berlaku di grup ini."
    await sekdes.presses("kasus:²")  # hostile data is refused, not a crash
    assert sekdes.text == "Kartu ini tidak berlaku di grup ini."


async def test_an_empty_queue_has_no_buttons(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    [reply] = sekdes.replies
    assert "Tidak ada permohonan surat" in reply.text and not reply.buttons


async def test_officials_help_explains_cards_notes_and_commands(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/bantuan")
    text = sekdes.text
    assert text.startswith("Ini grup petugas Desa Sukamaju.")
    assert "Tekan tombol pada kartu" in text and "balas pesan Balai" in text
    assert "/antrian - " in text and "tekan kodenya" in text and "/kasus - " in text
    assert "/batal" in text
    assert len(text) < 900


async def test_reporter_reopening_a_report_changed_meanwhile_is_told_plainly(
    core, officials, clock, monkeypatch: pytest.MonkeyPatch
):
    """The resident side of a lost race says what happened and where to look, instead of
    "Here is the case as it is now:" followed by nothing."""
    siti, code = await resolved(core, officials, clock)
    [ask] = [m for m in await outbox(core) if m.chat_id == "1001" and "beres" in m.payload["text"]]
    no = next(v for row in ask.payload["buttons"] for label, v in row if "Belum" in label)
    await siti.presses(no)

    real_by_id = case_rows.by_id
    raced: list[int] = []

    async def by_id(session: Any, case_id: int) -> Any:
        found = await real_by_id(session, case_id)
        if found is not None and not raced:  # an official's change lands meanwhile
            raced.append(case_id)
            await session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(version=Case.version + 1)
                .execution_options(synchronize_session=False)
            )
        return found

    monkeypatch.setattr(case_rows, "by_id", by_id)
    await siti.says("Lubangnya muncul lagi setelah hujan")
    assert raced
    assert siti.text.startswith(
        f"{code} baru saja berubah, jadi belum ada yang diubah. Ketik /status {code}"
    )
    [case] = await rows(core, Case)
    assert case.status == "done"


async def test_a_long_note_is_refused_with_its_limit_never_cut(core, officials):
    """Regression: officials' notes were cut at 1,000 characters without a word."""
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["⛔ Tolak"])
    await sekdes.says("Data tidak sesuai. " * 60)
    assert "paling banyak 1.000 huruf" in sekdes.text
    [case] = [c for c in await rows(core, Case) if c.id == case.id]
    assert case.status == "review"
    await sekdes.says("Data tidak sesuai dengan KK")
    [case] = [c for c in await rows(core, Case) if c.id == case.id]
    assert case.status == "rejected"


async def test_an_old_take_names_the_official_who_took_it_though_the_reporter_answered(
    core, officials
):
    """Regression: Bu Kaur took the case and asked; the reporter's answer came last, so an
    old 🛠️ Proses said the reporter had changed it, and a later press named an official
    the card did not show as handler."""
    siti = await resident(core)
    code = await report(siti)
    take = (await complaint_buttons(core, code))["🛠️ Proses"]
    kaur = official(core, officials, "9002", "Bu Kaur")
    sekdes = official(core, officials)
    await kaur.presses(take)
    await kaur.presses((await complaint_buttons(core, code))["❓ Tanya pelapor"])
    await kaur.says("Sejak kapan?")
    await siti.says("Sejak hari Senin")
    await sekdes.presses(take)
    [reply] = sekdes.replies
    assert reply.text.startswith("Sudah ditangani oleh Bu Kaur."), reply.text
    assert "Ditangani oleh: Bu Kaur" in reply.text

    await sekdes.presses((await complaint_buttons(core, code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal")
    await kaur.presses(take)
    [reply] = kaur.replies
    assert reply.text.startswith("Sudah ditangani oleh Bu Kaur."), reply.text
    assert "Ditangani oleh: Bu Kaur" in reply.text


async def test_case_history_names_residents_once_and_an_answer_in_one_line(core, officials):
    """Regression: "pelapor · dikirim oleh pelapor", and an answer read as two lines
    ("jawaban dari pelapor", then "pelapor sudah menjawab → Diproses")."""
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await complaint_buttons(core, code))["🛠️ Proses"])
    await sekdes.presses((await complaint_buttons(core, code))["❓ Tanya pelapor"])
    await sekdes.says("Sejak kapan?")
    await siti.says("Sejak hari Senin")
    await sekdes.says(f"/kasus {code}")
    history = sekdes.last.text.splitlines()
    assert history[0] == f"Riwayat {code}:"
    assert not [line for line in history if "pelapor ·" in line], history
    answers = [line for line in history if "Sejak hari Senin" in line]
    assert len(answers) == 1 and "→ Diproses" in answers[0], history
    assert not [line for line in history if "sudah menjawab" in line], history
    assert len(history) == 5  # sent, taken, asked, answered


async def test_an_unknown_case_code_is_said_not_found_in_this_village(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/kasus SRT-XXXX")
    assert sekdes.text == (
        "Kode kasus SRT-XXXX tidak ada di Desa Sukamaju. Periksa kodenya, atau lihat /antrian."
    )
    await sekdes.says("/kasus")
    assert sekdes.text.startswith("Ketik /kasus lalu kode kasus")


async def test_cancel_with_nothing_to_cancel_says_so_in_the_admin_chat(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/batal")
    assert sekdes.text == "Tidak ada yang sedang dibatalkan."


async def test_verifying_a_resident_clears_the_warning_on_their_open_letter_cards(core, officials):
    """Regression: "⚠️ Pendaftaran pemohon belum diverifikasi." stayed on the letter's card
    after ✅ Verifikasi, until the next action on that letter."""
    siti = await resident(core)
    case = await domisili(siti)
    [verify] = [
        value
        for m in await outbox(core)
        if m.chat_id == ADMIN
        for row in m.payload["buttons"] or ()
        for label, value in row
        if value.startswith("ver:")
    ]
    sekdes = official(core, officials)
    cards = [m for m in await outbox(core) if m.chat_id == ADMIN and case.code in m.payload["text"]]
    assert "belum diverifikasi" in cards[-1].payload["text"]
    await sekdes.presses(verify)
    cards = [m for m in await outbox(core) if m.chat_id == ADMIN and case.code in m.payload["text"]]
    assert "belum diverifikasi" not in cards[-1].payload["text"]
    assert cards[-1].payload["replaces_key"] == f"case-card:{case.id}"
    assert "✅ Setujui" in {label for row in cards[-1].payload["buttons"] for label, _v in row}


async def test_approving_an_unverified_applicants_letter_says_so(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    assert "pendaftaran pemohon belum diverifikasi" in sekdes.text
    [case] = await letters(core)
    assert case.status == "signing"
