"""Layanan Surat in-process: requests, officials' decisions, fixes, cancelling, time."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from sqlalchemy import update

from bot.reminders import CaseWatch
from flows.common.letter_types import FieldType, LetterField
from flows.engine.types import Kind
from storage.models import AuditEntry, Case, CaseEvent, Conversation
from tests.helpers import Person, outbox, register, rows

ADMIN = "-1001000000001"


async def resident(core, user_id="1001", name="Siti Aminah", nik="1804074107900002") -> Person:
    person = Person(core, user_id, name.split()[0])
    await register(person, name=name, nik=nik, phone=f"08123456{user_id[-4:]}")
    return person


def official(core, officials, user_id="9001", name="Pak Sekdes") -> Person:
    officials.members.add((ADMIN, user_id))
    return Person(core, user_id, name, chat=ADMIN)


async def letters(core) -> list[Case]:
    return [c for c in await rows(core, Case) if c.kind == "letter"]


async def domisili(person: Person, *, delivery: str = "Ambil di kantor") -> Case:
    """The shortest request: five messages from typing its name to the code."""
    await person.says("mau bikin surat domisili")
    await person.sends(Kind.PHOTO, media_id="KTP-PHOTO")
    await person.sends(Kind.DOCUMENT, media_id="KK-PDF")
    await person.taps("Melamar pekerjaan")
    await person.taps(delivery)
    return max(await letters(person.core), key=lambda c: c.id)


async def ask_for_fix(core, officials, case: Case, *parts: str, note: str) -> Person:
    """An official sends the request back, ticking `parts`, with `note`."""
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✏️ Minta perbaikan"])
    for part in parts:
        await sekdes.taps(part)
    await sekdes.taps("Lanjut")
    await sekdes.says(note)
    return sekdes


async def card_buttons(core, code: str) -> dict[str, str]:
    cards = [
        m
        for m in await outbox(core)
        if m.chat_id == ADMIN and code in m.payload["text"] and m.payload["buttons"]
    ]
    return {label: value for row in cards[-1].payload["buttons"] for label, value in row}


async def sent_to(core, chat_id: str) -> list[dict]:
    return [m.payload for m in await outbox(core) if m.chat_id == chat_id]


async def test_domisili_takes_five_messages_and_asks_nothing_from_the_profile(core):
    siti = await resident(core)
    await siti.says("mau bikin surat domisili")
    opening = siti.text
    assert "Surat Keterangan Domisili" in opening and "KTP" in opening and "KK" in opening
    # Choosing the letter is no step of its own: its three questions are counted.
    assert "Langkah 1 dari 3" in opening
    await siti.sends(Kind.PHOTO, media_id="KTP-PHOTO")
    assert "foto kartu keluarga (KK)" in siti.text  # the label inside a sentence
    await siti.sends(Kind.DOCUMENT, media_id="KK-PDF")
    assert "untuk apa" in siti.text.lower()
    await siti.taps("Melamar pekerjaan")
    summary = siti.text
    # The profile's data is shown (NIK masked), never asked.
    assert "Siti Aminah" in summary and "1804**********02" in summary
    for asked in ("Siapa nama lengkap", "Berapa NIK", "Berapa RT dan RW", "dusun mana"):
        assert asked not in opening and asked not in summary
    await siti.taps("Ambil di kantor")
    [case] = await letters(core)
    assert case.code.startswith("SRT-") and case.code in siti.text
    # Sunday 22 November 2026 + 1 working day = Monday.
    assert "Senin, 23 November 2026" in siti.text and f"/status {case.code}" in siti.text
    assert case.status == "review"
    assert case.data == {
        "type": "domisili",
        "values": {},
        "documents": {"ktp": ["photo", "KTP-PHOTO"], "kk": ["document", "KK-PDF"]},
        "purpose": "Melamar pekerjaan",
        "delivery": "pickup",
    }
    [card] = [p for p in await sent_to(core, ADMIN) if case.code in p["text"]]
    assert "Surat Keterangan Domisili" in card["text"] and "Sedang diperiksa" in card["text"]
    assert "1804**********02" in card["text"] and "1804074107900002" not in card["text"]
    assert "Krajan" in card["text"] and "003/005" in card["text"]
    assert "Melamar pekerjaan" in card["text"] and "Senin, 23 November 2026" in card["text"]
    assert card["media"] == [["photo", "KTP-PHOTO"], ["document", "KK-PDF"]]
    labels = [label for row in card["buttons"] for label, _v in row]
    assert labels == ["✅ Setujui", "✏️ Minta perbaikan", "⛔ Tolak"]


async def test_typed_names_abbreviations_and_typos_find_the_letter(core):
    siti = await resident(core)
    for typed, name in (
        ("mau bikin sktm", "Surat Keterangan Tidak Mampu"),
        ("srt usaha", "Surat Keterangan Usaha"),
        ("surat domisli", "Surat Keterangan Domisili"),
        ("pengantar skck", "Surat Pengantar SKCK"),
    ):
        await siti.says("/batal")
        await siti.says(typed)
        assert name in siti.text, (typed, siti.text)
    await siti.says("/batal")
    await siti.says("/surat")
    assert "Surat mana yang Anda perlukan" in siti.text
    assert {"Domisili", "Usaha (SKU)", "Pindah"} <= set(siti.buttons())
    await siti.taps("Untuk apa")
    assert "Bukti bahwa Anda tinggal di desa ini" in siti.text
    await siti.taps("Kelahiran")
    assert "Siapa nama bayinya?" in siti.text


async def test_sku_every_field_type_and_bad_values_reasked_with_a_reason(core):
    siti = await resident(core)
    await siti.says("/surat")
    await siti.taps("Usaha (SKU)")
    await siti.says("Warung Makan Bu Siti")
    await siti.taps("Dagang / warung")
    await siti.says("Jl. Raya Sukamaju RT 03")
    await siti.says("dua ribu lima belas")
    assert "empat angka" in siti.text and "sejak tahun" in siti.text.lower()
    await siti.says("2031")
    assert "1950 sampai 2026" in siti.text
    await siti.says("2015")
    await siti.sends(Kind.STICKER)
    assert "menunggu foto KTP" in siti.text
    await siti.sends(Kind.PHOTO, media_id="KTP")
    await siti.taps("Lewati")  # the optional photo of the business
    await siti.taps("KUR")
    summary = siti.text
    for shown in ("Warung Makan Bu Siti", "Dagang / warung", "2015", "Pengajuan KUR"):
        assert shown in summary
    await siti.taps("File lewat chat")
    [case] = await letters(core)
    assert case.data["values"] == {
        "nama_usaha": "Warung Makan Bu Siti",
        "jenis_usaha": "Dagang / warung",
        "alamat_usaha": "Jl. Raya Sukamaju RT 03",
        "sejak_tahun": "2015",
    }
    assert case.data["delivery"] == "chat" and "foto_usaha" not in case.data["documents"]


async def test_birth_in_the_future_and_money_and_numbers(core):
    siti = await resident(core)
    await siti.says("surat kelahiran")
    await siti.says("Ahmad Fauzi")
    await siti.taps("Laki-laki")
    await siti.says("Puskesmas Way Jepara")
    await siti.says("31-02-2026")
    assert "Tidak ada tanggal seperti itu" in siti.text
    await siti.says("1 Desember 2026")
    assert "masa depan" in siti.text
    await siti.says("20 November 2026")
    assert "Siapa nama ayah bayi?" in siti.text
    await siti.says("/batal")

    await siti.says("sktm")
    await siti.taps("Berobat")
    await siti.says("sekitar satu juta")
    assert "jumlah dalam Rupiah" in siti.text
    await siti.says("1,5 juta")
    assert "KTP" in siti.text
    await siti.says("/batal")

    await siti.says("surat pindah")
    await siti.says("Jl. Merdeka 5, Metro")
    await siti.taps("Pekerjaan")
    await siti.says("tiga orang")
    assert "angka" in siti.text
    await siti.says("25")
    assert "0 sampai 20" in siti.text
    await siti.says("3 orang")
    assert "KTP" in siti.text
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"]["jumlah_ikut"] == "3"


async def test_approve_then_send_the_signed_pdf_to_the_applicant(core, officials):
    siti = await resident(core)
    case = await domisili(siti, delivery="File lewat chat")
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    assert "Menunggu tanda tangan" in sekdes.text
    told = [p["text"] for p in await sent_to(core, "1001")]
    assert any(case.code in t and "Menunggu tanda tangan" in t for t in told)
    await sekdes.presses((await card_buttons(core, case.code))["📄 Kirim surat"])
    assert "PDF" in sekdes.text
    await sekdes.says("sudah saya tanda tangani")
    assert "PDF" in sekdes.text  # text is not the letter: asked again
    await sekdes.sends(Kind.DOCUMENT, media_id="SIGNED-PDF")
    assert "dikirim ke pemohon" in sekdes.text
    [case] = await letters(core)
    assert case.status == "done" and case.closed_at is not None
    [letter] = [p for p in await sent_to(core, "1001") if p["media"]]
    assert letter["media"] == [["document", "SIGNED-PDF"]] and "Selesai" in letter["text"]
    actions = [e.action for e in await rows(core, CaseEvent) if e.case_id == case.id]
    assert actions == ["created", "approve", "send"]
    audit = [(a.action, a.outcome) for a in await rows(core, AuditEntry) if a.record_id == case.id]
    assert audit == [("approve", "done"), ("send", "done")]


async def test_ready_for_pickup_says_where_and_when(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    await sekdes.presses((await card_buttons(core, case.code))["🏢 Siap diambil"])
    ready = (await sent_to(core, "1001"))[-1]["text"]
    assert "Siap diambil" in ready and "Jl. Raya Sukamaju No. 1" in ready
    assert "Senin - Kamis 08.00 - 15.00" in ready
    await sekdes.presses((await card_buttons(core, case.code))["✅ Sudah diambil"])
    [case] = await letters(core)
    assert case.status == "done"


async def test_fix_for_one_document_asks_only_that_again(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✏️ Minta perbaikan"])
    assert {"▫️ 📷 KTP", "▫️ 📷 Kartu Keluarga (KK)", "▫️ Keperluan"} <= set(sekdes.buttons())
    await sekdes.taps("Lanjut")
    assert "Centang" in sekdes.text  # nothing ticked yet
    await sekdes.taps("📷 KTP")
    assert "✅ 📷 KTP" in sekdes.buttons()
    await sekdes.taps("Lanjut")
    await sekdes.says("Foto KTP buram, tolong foto ulang di tempat terang")
    [case] = await letters(core)
    assert case.status == "incomplete"
    asked = (await sent_to(core, "1001"))[-1]
    assert "foto KTP" in asked["text"] and "buram" in asked["text"]
    await siti.presses(asked["buttons"][0][0][1])
    assert "buram" in siti.text and "KTP" in siti.text and "Langkah" not in siti.text
    await siti.sends(Kind.PHOTO, media_id="KTP-SHARP")
    # Straight to the summary: the KK, the purpose and the delivery are not asked again.
    assert "Kirim perbaikan" in " ".join(siti.buttons())
    assert "Kartu Keluarga" not in siti.text and "Keperluan" not in siti.text
    await siti.taps("Kirim perbaikan")
    [case] = await letters(core)
    assert case.status == "review"
    assert case.data["documents"] == {"ktp": ["photo", "KTP-SHARP"], "kk": ["document", "KK-PDF"]}
    assert case.data["purpose"] == "Melamar pekerjaan" and "fix" not in case.data
    thread = [p for p in await sent_to(core, ADMIN) if "perbaikan" in p["text"]]
    assert thread[-1]["media"] == [["photo", "KTP-SHARP"]]
    assert "✅ Setujui" in await card_buttons(core, case.code)


async def test_rejection_needs_a_reason(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["⛔ Tolak"])
    await sekdes.sends(Kind.STICKER)
    assert "Alasan wajib" in sekdes.text
    await sekdes.says("-")
    assert "Alasan wajib" in sekdes.text
    [case] = await letters(core)
    assert case.status == "review"
    await sekdes.says("Pemohon bukan warga dusun ini menurut data KK")
    [case] = await letters(core)
    assert case.status == "rejected"
    told = (await sent_to(core, "1001"))[-1]["text"]
    assert "Ditolak" in told and "bukan warga dusun" in told


async def test_applicant_cancels_an_undecided_request(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    await siti.says("surat saya")
    assert case.code in siti.text and "Sedang diperiksa" in siti.text
    await siti.taps(case.code)
    await siti.taps("🗑️ Batalkan")
    assert "Batalkan permohonan" in siti.text
    [case] = await letters(core)
    assert case.status == "review"  # only asked so far
    await siti.taps("Ya, batalkan")
    [case] = await letters(core)
    assert case.status == "cancelled" and case.closed_at is not None
    admin = await sent_to(core, ADMIN)
    assert any("dibatalkan oleh pemohon" in p["text"] for p in admin)
    # The card is closed: no buttons on its newest version.
    newest = [p for p in admin if case.code in p["text"] and "Status" in p["text"]][-1]
    assert newest["buttons"] == [] and "Dibatalkan" in newest["text"]
    # Approved requests can no longer be cancelled.
    second = await domisili(Person(core, "1001", "Siti"))
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, second.code))["✅ Setujui"])
    await siti.says(f"/status {second.code}")
    assert "Menunggu tanda tangan" in siti.text and "Batalkan" not in " ".join(siti.buttons())


async def test_two_officials_racing_make_one_decision(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    approve = (await card_buttons(core, case.code))["✅ Setujui"]
    sekdes = official(core, officials)
    kaur = official(core, officials, "9002", "Bu Kaur")
    await asyncio.gather(sekdes.presses(approve), kaur.presses(approve))
    [case] = await letters(core)
    assert case.status == "signing" and case.version == 2
    refused = [p for p in (sekdes, kaur) if "Sudah ditangani" in p.text]
    assert len(refused) == 1
    told = [p for p in await sent_to(core, "1001") if "Menunggu tanda tangan" in p["text"]]
    assert len(told) == 1
    outcomes = sorted(a.outcome for a in await rows(core, AuditEntry) if a.record_id == case.id)
    assert outcomes == ["done", "stale"]


async def test_a_stale_card_changes_nothing_and_shows_the_case_now(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    old_reject = (await card_buttons(core, case.code))["⛔ Tolak"]
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    await sekdes.presses(old_reject)
    assert "Sudah ditangani oleh Pak Sekdes" in sekdes.text
    assert "Menunggu tanda tangan" in sekdes.text
    [case] = await letters(core)
    assert case.status == "signing"
    stranger = Person(core, "9999", "Tamu", chat=ADMIN)
    await stranger.presses((await card_buttons(core, case.code))["📄 Kirim surat"])
    [case] = await letters(core)
    assert case.status == "signing" and "petugas" in stranger.text.lower()


async def test_queue_lists_letters_and_complaints_and_reminders_follow_working_days(
    core, officials, clock
):
    siti = await resident(core)
    case = await domisili(siti)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jalan di depan masjid berlubang besar sekali")
    await siti.taps("Lewati")
    await siti.says("depan masjid")
    await siti.taps("✅ Kirim")
    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    assert "Permohonan surat" in sekdes.text and case.code in sekdes.text
    assert "Pengaduan terbuka" in sekdes.text and "ADU-" in sekdes.text
    assert sekdes.text.index(case.code) < sekdes.text.index("ADU-")

    watch = CaseWatch(core.services, core.sessions)
    clock.advance(hours=12)  # Sunday night: not yet due (Monday)
    await watch.run_once()
    assert not [p for p in await sent_to(core, ADMIN) if "Pengingat" in p["text"]]
    clock.advance(hours=12)  # Monday 11.00: the expected day is not over yet
    await watch.run_once()
    assert not [p for p in await sent_to(core, ADMIN) if "Pengingat" in p["text"]]
    clock.advance(hours=14)  # Tuesday 01.00: past the expected day
    await watch.run_once()
    reminders = [p["text"] for p in await sent_to(core, ADMIN) if "Pengingat" in p["text"]]
    assert any(case.code in t for t in reminders)
    clock.advance(days=2)  # twice the time it should have taken
    await watch.run_once()
    escalations = [p["text"] for p in await sent_to(core, ADMIN) if "Eskalasi" in p["text"]]
    assert any(case.code in t and "kepala desa" in t.lower() for t in escalations)
    await sekdes.says(f"/kasus {case.code}")
    assert "Riwayat" in sekdes.text and "pemohon" in sekdes.text


async def test_status_shows_only_ones_own_requests(core):
    siti = await resident(core)
    case = await domisili(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    await budi.says(f"/status {case.code}")
    assert "Tidak ada" in budi.text and "Melamar" not in budi.text
    await siti.says(f"/status {case.code.lower()}")
    assert "Sedang diperiksa" in siti.text and "Senin, 23 November 2026" in siti.text


async def test_unregistered_person_is_asked_to_register_first(core):
    stranger = Person(core, "3003", "Tono")
    await stranger.says("surat domisili")
    assert "daftar" in stranger.text.lower()
    assert not await letters(core)


async def test_double_send_makes_one_request(core):
    siti = await resident(core)
    await siti.says("surat domisili")
    await siti.sends(Kind.PHOTO, media_id="K1")
    await siti.sends(Kind.PHOTO, media_id="K2")
    await siti.taps("Melamar pekerjaan")
    send = next(
        b.value for r in siti.replies for row in r.buttons for b in row if "Ambil" in b.label
    )
    await siti.presses(send)
    await siti.presses(send)
    assert len(await letters(core)) == 1


async def test_reminder_timeline_is_not_started_by_a_fix_wait(core, officials, clock):
    siti = await resident(core)
    case = await domisili(siti)
    await ask_for_fix(
        core, officials, case, "Keperluan", note="Keperluannya kurang jelas, mohon ditulis lengkap"
    )
    clock.advance(days=5)
    await CaseWatch(core.services, core.sessions).run_once()
    assert not [p for p in await sent_to(core, ADMIN) if "Pengingat" in p["text"]]
    await siti.says("surat saya")
    await siti.taps(case.code)
    await siti.taps("Perbaiki sekarang")
    await siti.says("Melamar kerja di PT Maju Jaya Metro")
    await siti.taps("Kirim perbaikan")
    [case] = await letters(core)
    assert case.status == "review" and case.data["purpose"].startswith("Melamar kerja di PT")
    assert case.due_at is not None and case.due_at > clock.now + timedelta(hours=1)


async def test_changing_the_letter_on_the_summary_asks_the_new_letters_questions(core):
    siti = await resident(core)
    await domisili_until_summary(siti)
    await siti.taps("✏️ Surat")
    await siti.taps("Pengantar SKCK")
    # Not straight back to the summary: the new letter's own questions come first.
    assert "KTP" in siti.text and "Langkah" in siti.text
    await siti.sends(Kind.PHOTO, media_id="KTP-B")
    await siti.sends(Kind.PHOTO, media_id="KK-B")
    await siti.taps("Daftar CPNS/TNI")
    assert "Surat Pengantar SKCK" in siti.text and "Daftar CPNS/TNI" in siti.text
    await siti.taps("Ambil di kantor")
    [case] = await letters(core)
    assert case.data["type"] == "pengantar_skck"
    assert case.data["documents"] == {"ktp": ["photo", "KTP-B"], "kk": ["photo", "KK-B"]}


async def domisili_until_summary(person: Person) -> None:
    await person.says("surat domisili")
    await person.sends(Kind.PHOTO, media_id="KTP-A")
    await person.sends(Kind.PHOTO, media_id="KK-A")
    await person.taps("Melamar pekerjaan")


async def test_a_button_left_from_another_letter_does_not_answer(core):
    siti = await resident(core)
    await siti.says("surat pindah")
    await siti.says("Jl. Merdeka 5, Metro")
    old_reason = next(
        b.value for r in siti.replies for row in r.buttons for b in row if b.label == "Pekerjaan"
    )
    await siti.says("/batal")
    await siti.says("surat pengantar kk")
    # "Pekerjaan" from Pindah's question; both letters ask `alasan`, so the button names
    # the step being asked, but its option belongs to the other letter: refused.
    await siti.presses(old_reason)
    assert siti.text.startswith("Silakan pilih salah satu pilihan di bawah.")
    assert siti.text.rstrip().endswith("Apa alasan Anda mengurus KK?")
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"] == {}


async def test_a_letter_switched_off_mid_request_is_said_plainly(core):
    siti = await resident(core)
    await siti.says("surat pindah")
    village = core.services.villages.all()[0]
    remaining = tuple(t for t in village.letters if t.code != "pindah")
    object.__setattr__(village, "letters", remaining)  # the config was changed and reloaded
    await siti.says("Jl. Merdeka 5, Metro")
    assert "tidak lagi melayani surat itu" in siti.text
    await siti.says("halo")
    assert "tidak lagi" not in siti.text  # the form is gone, the menu answers


async def test_deceased_nik_is_masked_on_the_card(core, officials):
    siti = await resident(core)
    await siti.says("surat kematian")
    await siti.says("Sutrisno")
    await siti.says("1804070101900003")
    await siti.says("10 November 2026")
    await siti.says("di rumah")
    await siti.taps("Usia lanjut")
    await siti.taps("Lewati")
    await siti.sends(Kind.PHOTO, media_id="KK-D")
    assert "1804070101900003" in siti.text  # the applicant sees what they typed
    await siti.taps("Ambil di kantor")
    [case] = await letters(core)
    [card] = [p for p in await sent_to(core, ADMIN) if case.code in p["text"]]
    assert "1804**********03" in card["text"] and "1804070101900003" not in card["text"]
    assert "10 November 2026" in card["text"]


async def test_free_text_about_letters_is_routed_with_care(core):
    siti = await resident(core)
    await siti.says("ada warga meninggal karena banjir")
    assert "Nama almarhum" not in siti.text
    await siti.says("/batal")
    await siti.says("saya mau buat surat")
    assert "Surat mana yang Anda perlukan" in siti.text and "Pindah" in siti.buttons()
    await siti.says("/batal")
    case = await domisili(siti)
    await siti.says("kapan surat domisili saya selesai")
    assert case.code in siti.text and "Sedang diperiksa" in siti.text
    assert len(await letters(core)) == 1


async def test_cancelling_a_fix_keeps_the_request_waiting(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✏️ Minta perbaikan"])
    assert f"📄 {case.code} · Surat Keterangan Domisili" in sekdes.text
    await sekdes.taps("Keperluan")
    await sekdes.taps("Lanjut")
    assert "ketik /batal" in sekdes.text
    await sekdes.says("Tulis keperluannya lebih lengkap")
    await siti.presses(f"surat:fix:{case.id}")
    await siti.says("/batal")
    assert "masih menunggu perbaikan" in siti.text
    [case] = await letters(core)
    assert case.status == "incomplete"


async def test_the_officials_caption_travels_with_the_signed_letter(core, officials):
    siti = await resident(core)
    case = await domisili(siti, delivery="File lewat chat")
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    await sekdes.presses((await card_buttons(core, case.code))["📄 Kirim surat"])
    await sekdes.sends(Kind.PHOTO, media_id="SIGNED-PHOTO", text="Aslinya bisa diambil Senin")
    [letter] = [p for p in await sent_to(core, "1001") if p["media"]]
    assert letter["media"] == [["photo", "SIGNED-PHOTO"]]
    assert "Aslinya bisa diambil Senin" in letter["text"]


async def test_catalogue_change_mid_request_keeps_each_answer_on_its_field(core):
    """Steps are named by the field's code: reordering the catalogue mid-request must not
    move an answer to another question (they were named by position before)."""
    siti = await resident(core)
    await siti.says("surat usaha")
    await siti.says("Warung Makan Bu Siti")
    await siti.taps("Dagang / warung")
    assert "Di mana alamat usaha Anda?" in siti.text  # the third field is asked now
    village = core.services.villages.all()[0]
    usaha = next(t for t in village.letters if t.code == "usaha")
    reordered = dataclasses.replace(
        usaha, fields=(usaha.fields[2], *usaha.fields[:2], usaha.fields[3])
    )
    letters_now = tuple(reordered if t.code == "usaha" else t for t in village.letters)
    object.__setattr__(village, "letters", letters_now)  # the config was changed and reloaded
    await siti.says("Jl. Raya Sukamaju, RT 03 / RW 01")
    assert "Sejak tahun berapa" in siti.text
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"] == {
        "nama_usaha": "Warung Makan Bu Siti",
        "jenis_usaha": "Dagang / warung",
        "alamat_usaha": "Jl. Raya Sukamaju, RT 03 / RW 01",
    }


async def test_a_required_field_added_before_sending_is_asked_not_a_crash(core):
    """Regression: the check before sending still named steps by position (f0), which no
    longer exist: every press of Kirim ended in an apology."""
    siti = await resident(core)
    await siti.says("mau bikin surat domisili")
    await siti.sends(Kind.PHOTO, media_id="KTP-PHOTO")
    await siti.sends(Kind.DOCUMENT, media_id="KK-PDF")
    await siti.taps("Melamar pekerjaan")
    village = core.services.villages.all()[0]
    domisili_letter = next(t for t in village.letters if t.code == "domisili")
    since = LetterField("tinggal_sejak", "Tinggal di sini sejak tahun", FieldType.YEAR)
    changed = dataclasses.replace(domisili_letter, fields=(since,))
    object.__setattr__(
        village, "letters", tuple(changed if t.code == "domisili" else t for t in village.letters)
    )
    await siti.taps("Ambil di kantor")
    assert "Tinggal di sini sejak tahun: silakan ketik" in siti.text and "Maaf" not in siti.text
    await siti.says("2015")
    await siti.taps("Ambil di kantor")
    [case] = await letters(core)
    assert case.data["values"] == {"tinggal_sejak": "2015"}


async def test_a_request_saved_before_steps_had_codes_goes_on_where_it_was(core):
    """Conversations stored by the version that named letter steps by position (f0, d1)
    keep every answer and take the next message as the answer to the same question."""
    siti = await resident(core)
    await siti.says("surat usaha")
    await siti.says("Warung Makan Bu Siti")
    async with core.sessions() as session, session.begin():
        await session.execute(
            update(Conversation)
            .where(Conversation.flow == "letter")
            .values(step="f1", history={"stack": ["type", "f0"], "editing": False, "key": "k"})
        )
    await siti.says("pertanian")
    assert "Di mana alamat usaha Anda?" in siti.text
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"] == {
        "nama_usaha": "Warung Makan Bu Siti",
        "jenis_usaha": "Pertanian",
    }
    assert conversation.step == "field:alamat_usaha"


async def test_the_photo_sent_straight_after_a_fix_request_is_taken_as_the_fix(core, officials):
    """Regression: a photo sent without pressing ✏️ Perbaiki sekarang got "I can read text
    messages and buttons here", and was lost."""
    siti = await resident(core)
    case = await domisili(siti)
    await ask_for_fix(
        core,
        officials,
        case,
        "📷 Kartu Keluarga",
        note="KK yang dikirim sudah lama, mohon foto KK terbaru",
    )
    await siti.says("kapan surat saya jadi")  # a question is not a photo: not taken as the fix
    assert "kami anggap sebagai perbaikan" not in siti.text
    await siti.sends(Kind.PHOTO, media_id="KK-NEW")
    assert siti.replies[0].text.startswith(f"📄 {case.code}:")
    assert "Kirim perbaikan" in " ".join(siti.buttons())  # straight to the fix's summary
    await siti.taps("Kirim perbaikan")
    [case] = await letters(core)
    assert case.status == "review" and case.data["documents"]["kk"] == ["photo", "KK-NEW"]


async def test_a_short_service_request_is_not_taken_as_the_fix(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    await ask_for_fix(
        core, officials, case, "Keperluan", note="Keperluannya kurang jelas, mohon ditulis lengkap"
    )
    await siti.says("surat saya")  # the menu's words: the list of requests, not a purpose
    assert case.code in siti.text and "perbaikan yang diminta" not in siti.text
    await siti.says("Melamar kerja di PT Maju Jaya Metro")  # a sentence: the fix
    assert siti.replies[0].text.startswith(f"📄 {case.code}:")
    await siti.taps("Kirim perbaikan")
    [case] = await letters(core)
    assert case.data["purpose"] == "Melamar kerja di PT Maju Jaya Metro"


async def test_approval_says_awaiting_signature_once(core, officials):
    """Regression: "... : Menunggu tanda tangan." then "sedang menunggu tanda tangan" again."""
    siti = await resident(core)
    case = await domisili(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Setujui"])
    [told] = [t["text"] for t in await sent_to(core, "1001") if "disetujui" in t["text"]]
    assert told.lower().count("menunggu tanda tangan") == 1
    assert told.startswith(f"Permohonan {case.code} (Surat Keterangan Domisili): Menunggu")
    assert "Kepala Desa" in told and "siap" in told  # what comes next


async def test_sktm_asks_what_the_letter_is_for_as_a_question(core):
    """Regression: the SKTM's first question was the bare label "Keperluan?"."""
    siti = await resident(core)
    await siti.says("sktm")
    assert "Untuk keperluan apa surat ini?" in siti.text and "Keperluan?" not in siti.text
    await siti.taps("Berobat")
    assert "Berapa penghasilan keluarga Anda per bulan?" in siti.text


# What villagers type -> the letter they mean (the name the request then shows).
TYPED_LETTERS = {
    "surat pengantar nikah": "Surat Keterangan Belum Menikah",
    "mau nikah": "Surat Keterangan Belum Menikah",
    "surat numpang nikah": "Surat Keterangan Belum Menikah",
    "surat belum kawin": "Surat Keterangan Belum Menikah",
    "surat pindah domisili": "Surat Keterangan Pindah",
    "mau pindah domisili ke kota": "Surat Keterangan Pindah",
    "surat domisili": "Surat Keterangan Domisili",
    "surat keterangan miskin": "Surat Keterangan Tidak Mampu",
    "sktm buat berobat": "Surat Keterangan Tidak Mampu",
    "surat usaha dagang": "Surat Keterangan Usaha",
    "sku": "Surat Keterangan Usaha",
    "surat kelakuan baik": "Surat Pengantar SKCK",
    "surat catatan kepolisian": "Surat Pengantar SKCK",
    "mau bikin akte lahir anak": "Surat Keterangan Kelahiran",
    "surat kelahiran": "Surat Keterangan Kelahiran",
    "surat kematian": "Surat Keterangan Kematian",
    "surat keterangan meninggal": "Surat Keterangan Kematian",
    "ktp hilang": "Surat Pengantar KTP",
    "bikin ktp baru": "Surat Pengantar KTP",
    "kk hilang": "Surat Pengantar KK",
    "sudah menikah mau bikin kk baru": "Surat Pengantar KK",
}


async def test_typed_phrases_find_the_letter_a_villager_means(core):
    """Regression: "surat pengantar nikah" offered Pengantar KTP/KK/SKCK (the shared word
    "pengantar" outweighed "nikah") instead of Belum Menikah."""
    siti = await resident(core)
    found = {}
    for typed in TYPED_LETTERS:
        await siti.says("/batal")
        await siti.says(typed)
        names = [name for name in set(TYPED_LETTERS.values()) if f"📄 {name}\n" in siti.text]
        found[typed] = names[0] if len(names) == 1 else siti.text
    assert found == TYPED_LETTERS


async def test_lainnya_asks_what_and_an_own_purpose_can_be_typed(core, officials):
    """Regression: "Lainnya" was stored as the purpose, and a purpose typed in one's own
    words got "Silakan pilih salah satu pilihan di bawah.", even when officials asked."""
    siti = await resident(core)
    await siti.says("sktm")
    assert "ketik sendiri" in siti.text
    await siti.taps("Lainnya")
    assert "beberapa kata" in siti.text and "Untuk keperluan apa" in siti.text
    await siti.says("Beasiswa PIP untuk anak SD")
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"]["keperluan"] == "Beasiswa PIP untuk anak SD"


async def test_what_was_typed_answers_its_question_and_the_intro_is_said_once(core):
    """Regression: "ktp hilang" opened Pengantar KTP and then asked the reason with a
    "KTP hilang" button; each wrong answer repeated the whole letter introduction."""
    siti = await resident(core)
    await siti.says("mau urus ktp hilang")
    assert "alasan" not in siti.text.lower()  # the reason was given: KTP hilang
    assert "Pengantar KTP" in siti.text  # the introduction, once
    await siti.says("ini bukan foto")
    assert "Pengantar KTP" not in siti.text  # a wrong answer: only the question again
    [conversation] = [c for c in await rows(core, Conversation) if c.flow == "letter"]
    assert conversation.form["values"] == {"alasan": "KTP hilang"}


async def test_the_fix_summary_ends_with_what_to_do(core, officials):
    siti = await resident(core)
    case = await domisili(siti)
    await ask_for_fix(core, officials, case, "📷 KTP", note="Foto KTP buram, tolong foto ulang")
    await siti.sends(Kind.PHOTO, media_id="KTP-SHARP")
    assert siti.text.rstrip().endswith("tekan ✅ Kirim perbaikan.")
