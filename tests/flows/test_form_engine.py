"""The form engine: old buttons, the summary's words, and stored conversations whose step
no longer exists (upgrades)."""

from __future__ import annotations

from sqlalchemy import update

from flows.engine.types import Kind
from storage.models import Conversation
from tests.helpers import Person, fill_registration, register, rows


async def test_a_stored_step_that_no_longer_exists_resumes_at_the_first_open_question(core):
    """An upgrade renamed a step while someone was on it: keep their answers, ask what is
    still open, never crash or start over."""
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti, until="nik")
    assert "NIK" in siti.text
    async with core.sessions() as session, session.begin():
        await session.execute(update(Conversation).values(step="an_old_step_name"))
    await siti.says("1804074107900002")
    # The NIK question is asked again (its answer was not taken), the name is kept.
    assert "NIK" in siti.text and "Maaf" not in siti.text
    [conversation] = await rows(core, Conversation)
    assert conversation.step == "nik" and conversation.form["full_name"] == "Siti Aminah"
    await siti.says("1804074107900002")
    assert "dusun" in siti.text.lower()


def _value(person: Person, label: str) -> str:
    return next(
        b.value for r in person.replies for row in r.buttons for b in row if label in b.label
    )


async def test_an_old_back_button_pressed_at_the_summary_is_ignored(core):
    """Regression: ⬅️ Kembali from the NIK question, pressed at the summary, jumped back
    to a question long answered; every other old button was (rightly) ignored."""
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti, until="nik")
    old_back = _value(siti, "Kembali")
    await fill_registration_rest(siti)
    assert "Silakan periksa data Anda" in siti.text
    await siti.presses(old_back)
    assert siti.replies[0].text.startswith("Tombol itu untuk pertanyaan sebelumnya")
    assert "Silakan periksa data Anda" in siti.last.text  # the summary again
    [conversation] = await rows(core, Conversation)
    assert conversation.step == "summary"
    # Typed "kembali" still goes back, to the last question.
    await siti.says("kembali")
    assert "nomor HP" in siti.last.text
    assert (await rows(core, Conversation))[0].step == "phone"


async def test_an_old_back_button_from_another_question_is_ignored(core):
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti, until="nik")
    old_back = _value(siti, "Kembali")
    await siti.says("1804074107900002")
    assert "dusun" in siti.last.text.lower()
    await siti.presses(old_back)
    assert siti.replies[0].text.startswith("Tombol itu untuk pertanyaan sebelumnya")
    assert "dusun" in siti.last.text.lower()
    assert (await rows(core, Conversation))[0].step == "dusun"
    # The Kembali shown with the dusun question goes back to the NIK.
    await siti.taps("Kembali")
    assert "NIK" in siti.last.text
    assert (await rows(core, Conversation))[0].step == "nik"


async def test_a_back_button_stored_before_it_named_its_step_still_works(core):
    """Buttons sent before Kembali carried its step ("nav:back") may still sit in a chat:
    on a question they go back as before; at the summary, which shows no Kembali, they are
    old."""
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti, until="dusun")
    await siti.presses("nav:back")
    assert "NIK" in siti.last.text and "Tombol itu" not in siti.text
    await siti.says("1804074107900002")
    await fill_registration_rest(siti)
    await siti.presses("nav:back")
    assert siti.replies[0].text.startswith("Tombol itu untuk pertanyaan sebelumnya")
    assert (await rows(core, Conversation))[0].step == "summary"


async def fill_registration_rest(siti: Person) -> None:
    """From the dusun question to the summary."""
    if "NIK" in siti.last.text:
        await siti.says("1804074107900002")
    await siti.taps("Krajan")
    await siti.says("003/005")
    await siti.says("081234567890")


async def test_the_summary_hint_names_the_flows_own_send_buttons(core):
    """Regression: the hint said "ubah data, atau kirim" whatever the buttons said."""
    siti = Person(core, "1001", "Siti")
    await register(siti)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jalan di depan masjid berlubang besar, motor sering jatuh")
    await siti.taps("Lewati")
    await siti.says("depan masjid Al-Ikhlas")
    await siti.says("oke kirim")  # typed at the summary
    assert "tekan ✅ Kirim atau 🔒 Kirim rahasia" in siti.replies[0].text
    await siti.says("/batal")
    await siti.says("mau bikin surat domisili")
    await siti.sends(Kind.PHOTO, media_id="KTP")
    await siti.sends(Kind.PHOTO, media_id="KK")
    await siti.taps("Melamar pekerjaan")
    await siti.says("sudah")
    assert "tekan 🏢 Ambil di kantor atau 📄 File lewat chat" in siti.replies[0].text


async def test_step_counts_are_the_questions_asked_in_turn(core):
    """Regression: the first question shown read "Langkah 2 dari 4" (the letter chosen by
    typing counted as a step), and the letter choice's own total depended on the letter
    chosen before."""
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti)
    await siti.says("/surat")
    assert "Langkah" not in siti.text  # choosing the letter: no count
    await siti.says("surat domisili")
    assert "Langkah 1 dari 3" in siti.text
