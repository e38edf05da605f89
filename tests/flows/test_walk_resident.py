"""Residents' side of the simulator walk: prompts name their case, old buttons say why."""

from __future__ import annotations

from flows.engine.types import Kind
from storage.models import Case
from tests.flows.test_complaints import card_buttons as complaint_buttons
from tests.flows.test_complaints import official, report, resident, resolved
from tests.flows.test_letters import card_buttons as letter_buttons
from tests.flows.test_letters import domisili
from tests.helpers import rows


async def test_status_without_a_code_names_the_real_buttons(core):
    """Regression: /status said "📋 Laporan saya"; the button is "📋 Pengaduan saya"."""
    siti = await resident(core)
    await siti.says("/status")
    assert "📄 Surat saya" in siti.text and "📋 Pengaduan saya" in siti.text
    assert {"📄 Surat saya", "📋 Pengaduan saya"} <= set(siti.buttons())


async def test_adding_information_is_headed_with_the_case_and_cancel_shows_the_menu(core):
    """Regression: Tambah info was headed "📢 Pengaduan", and its ❌ Batal left no menu."""
    siti = await resident(core)
    code = await report(siti)
    await siti.says(f"/status {code}")
    await siti.taps("Tambah info")
    assert siti.text.startswith(f"📢 {code} · Jalan & Jembatan\n")
    await siti.taps("Batal")
    assert "Tidak ada yang disimpan" in siti.text
    assert "📋 Pengaduan saya" in siti.buttons()


async def test_reopen_question_is_headed_with_the_case(core, officials, clock):
    siti, code = await resolved(core, officials, clock)
    await siti.says(f"/status {code}")
    await siti.presses(f"fu:{(await _case_id(core, code))}:no")
    assert siti.text.startswith(f"📢 {code} · Jalan & Jembatan\n")


async def _case_id(core, code: str) -> int:
    [case] = [c for c in await rows(core, Case) if c.code == code]
    return case.id


async def test_old_add_information_on_a_closed_report_says_why(core, officials):
    siti = await resident(core)
    code = await report(siti)
    case_id = await _case_id(core, code)
    sekdes = official(core, officials)
    await sekdes.presses((await complaint_buttons(core, code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal")
    await siti.presses(f"case:info:{case_id}")
    assert siti.replies[0].text == f"Laporan {code} sudah Selesai, jadi tidak bisa ditambah lagi."
    assert code in siti.replies[-1].text  # then the report as it is now


async def test_old_letter_buttons_say_why_before_the_status(core, officials):
    """Regression: an old 🗑️ Batalkan / ✏️ Perbaiki sekarang only showed the status card."""
    siti = await resident(core)
    case = await domisili(siti)
    await siti.presses(f"surat:cancel:{case.id}")
    await siti.taps("Ya, batalkan")
    await siti.presses(f"surat:cancel:{case.id}")
    assert siti.replies[0].text == (
        f"Permohonan {case.code} sudah Dibatalkan, jadi tidak bisa dibatalkan lagi."
    )
    await siti.presses(f"surat:fix:{case.id}")
    assert "tidak ada yang perlu diperbaiki" in siti.replies[0].text
    assert case.code in siti.replies[-1].text


async def sktm(person) -> None:
    await person.says("sktm")
    await person.taps("Sekolah")
    await person.says("1,5 juta")
    await person.sends(Kind.PHOTO, media_id="KTP")
    await person.sends(Kind.PHOTO, media_id="KK-OLD")
    await person.sends(Kind.PHOTO, media_id="RT")
    await person.taps("Ambil di kantor")


async def test_a_photo_sent_while_a_text_fix_comes_first_goes_to_the_flagged_document(
    core, officials
):
    """Regression: officials flagged Keperluan and the KK; the KK photo sent straight away
    got "I can read text messages and buttons here" because Keperluan is asked first."""
    siti = await resident(core)
    await sktm(siti)
    [case] = [c for c in await rows(core, Case) if c.kind == "letter"]
    sekdes = official(core, officials)
    await sekdes.presses((await letter_buttons(core, case.code))["✏️ Minta perbaikan"])
    await sekdes.taps("Keperluan")
    await sekdes.taps("📷 Kartu Keluarga")
    await sekdes.taps("Lanjut")
    await sekdes.says("Mohon foto KK terbaru dan keperluan yang jelas")
    await siti.sends(Kind.PHOTO, media_id="KK-NEW")
    assert siti.replies[0].text.startswith(f"📄 {case.code}:")
    assert "Untuk keperluan apa surat ini?" in siti.text  # the text part is still asked
    await siti.taps("Berobat")
    assert "Kirim perbaikan" in " ".join(siti.buttons())  # the KK is not asked again
    await siti.taps("Kirim perbaikan")
    [case] = [c for c in await rows(core, Case) if c.kind == "letter"]
    assert case.status == "review"
    assert case.data["documents"]["kk"] == ["photo", "KK-NEW"]
    assert case.data["values"]["keperluan"] == "Berobat"
