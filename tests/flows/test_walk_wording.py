"""Findings of the simulator walk: wording, buttons and one-message answers."""

from __future__ import annotations

from flows.common.text import fit_label, in_sentence
from flows.common.validation import parse_name
from flows.engine.types import Kind, Location
from storage.models import Citizen
from tests.helpers import ButtonWatch, Person, fill_registration, register, rows

POTHOLE = "Jalan di depan masjid Al-Ikhlas berlubang besar, motor sering jatuh"


def _(text: str) -> str:
    return text


async def resident(core, cls=Person) -> Person:
    person = cls(core, "1001", "Siti")
    await register(person, name="Siti Aminah", nik="1804074107900002")
    return person


async def test_wrong_nik_is_one_message_with_the_reason_above_the_question(core):
    siti = Person(core)
    await fill_registration(siti, until="nik")
    await siti.says("180407")
    assert len(siti.replies) == 1
    reason, _sep, question = siti.last.text.partition("\n\n")
    assert "16 angka" in reason and "Langkah" in question
    assert "❌ Batal" in siti.buttons()


async def test_long_complaint_description_says_its_limit_and_the_common_refusal(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    assert "paling banyak 1.000 huruf" in siti.text
    await siti.says("jalan rusak " * 500)
    assert "Terlalu panjang: paling banyak 1.000 huruf, yang Anda kirim 5.999 huruf" in siti.text
    assert "karakter" not in siti.text


async def test_registered_name_typed_in_small_letters_is_capitalised(core):
    siti = Person(core)
    await register(siti, name="budi santoso bin ahmad")
    [citizen] = await rows(core, Citizen)
    assert citizen.full_name == "Budi Santoso bin Ahmad"


def test_names_typed_with_capitals_are_kept():
    assert parse_name("McDonald siti", _) == "McDonald Siti"
    assert parse_name("Ahmad bin Yusuf", _) == "Ahmad bin Yusuf"
    assert parse_name("siti-aminah", _) == "Siti-Aminah"


async def test_complaint_free_text_says_what_was_understood_before_the_next_question(core):
    siti = await resident(core)
    await siti.says("jalan rusak di dusun krajan")
    [reply] = siti.replies
    first_line, _sep, rest = reply.text.partition("\n\n")
    assert first_line == "Kategori: Jalan & Jembatan; isi laporan: jalan rusak di dusun krajan"
    assert "foto" in rest


async def test_summary_ends_with_what_to_do_after_the_list(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.taps("Lewati")
    await siti.sends(Kind.LOCATION, location=Location(-5.2, 105.6))
    text = siti.last.text
    assert text.index("• Kategori") < text.index("Silakan periksa")
    assert not text.rstrip().endswith(POTHOLE)


async def test_complaint_response_time_says_calendar_days(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.taps("Lewati")
    await siti.sends(Kind.LOCATION, location=Location(-5.2, 105.6))
    await siti.taps("✅ Kirim")
    assert "paling lambat 3 hari (termasuk hari libur)" in siti.text


async def test_profile_button_is_written_like_the_others(core):
    siti = await resident(core)
    await siti.says("/menu")
    assert "👤 Profil saya" in siti.buttons()


async def test_every_button_of_the_main_flows_fits_twenty_characters(core):
    siti = ButtonWatch(core, "1001", "Siti")
    await register(siti, name="Siti Aminah", nik="1804074107900002")
    await siti.says("/menu")
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.taps("Lewati")
    await siti.sends(Kind.LOCATION, location=Location(-5.2, 105.6))
    await siti.taps("✅ Kirim")
    await siti.says("/info")
    await siti.says("/surat")
    await siti.taps("Usaha (SKU)")
    await siti.says("Warung Makan Bu Siti")
    await siti.taps("Dagang / warung")
    await siti.says("Jl. Raya Sukamaju RT 03")
    await siti.says("2015")
    await siti.sends(Kind.PHOTO, media_id="KTP")
    await siti.taps("Lewati")
    await siti.taps("KUR")
    await siti.says("/batal")
    await siti.says("/surat")
    await siti.taps("Tidak Mampu")
    for _n in range(6):  # on through whatever it asks, to its summary
        buttons = [b for r in siti.replies for row in r.buttons for b in row]
        choice = next((b for b in buttons if not b.value.startswith("nav:")), None)
        if choice is not None:
            await siti.presses(choice.value)
        else:
            await siti.sends(Kind.PHOTO, media_id=f"DOC-{_n}")
    assert len(siti.seen) > 30
    assert siti.too_long() == []


def test_long_labels_are_cut_at_a_word_and_acronyms_kept():
    assert fit_label("Kartu Keluarga (KK)", 17) == "KK"
    assert fit_label("Penghasilan keluarga per bulan", 17) == "Penghasilan…"
    assert fit_label("Surat pengantar RT/RW", 17) == "Surat pengantar…"
    assert fit_label("Keamanan") == "Keamanan"


def test_catalogue_labels_inside_a_sentence_start_small_but_keep_acronyms():
    assert in_sentence("Surat pengantar RT/RW") == "surat pengantar RT/RW"
    assert in_sentence("Kartu Keluarga (KK)") == "kartu keluarga (KK)"
    assert in_sentence("KTP") == "KTP"
