"""Someone not registered yet is told what a service needs, never steered elsewhere."""

from __future__ import annotations

import pytest

from tests.helpers import Person, fill_registration


@pytest.mark.parametrize(
    "typed", ["lampu jalan mati", "i want to report a broken street light", "/lapor"]
)
async def test_a_complaint_from_someone_unregistered_asks_to_register_first(core, typed):
    """Regression: "lampu jalan mati" offered only Layanan Surat."""
    budi = Person(core, "2001", "Budi")
    await budi.says(typed)
    assert "Untuk melapor, daftar dulu; cukup sekali." in budi.text
    assert budi.buttons() == ["📝 Daftar", "🏠 Menu utama"]
    await budi.taps("Daftar")
    assert "Sebelum mendaftar" in budi.text  # the consent question


async def test_the_unregistered_menu_shows_what_exists(core):
    budi = Person(core, "2001", "Budi")
    await budi.says("/start")
    shown = budi.buttons()
    for entry in ("📝 Daftar", "📄 Layanan Surat", "📢 Pengaduan", "ℹ️ Info Desa"):
        assert entry in shown
    assert "📋 Pengaduan saya" not in shown and "📄 Surat saya" not in shown
    await budi.taps("Pengaduan")
    assert "Untuk melapor, daftar dulu" in budi.text
    await budi.says("/start")
    await budi.taps("Layanan Surat")
    assert "Untuk mengajukan surat, daftar dulu; cukup sekali." in budi.text


async def test_after_registering_the_letter_asked_for_goes_on(core):
    """Regression: after "srt domisli", registering and ✅ Simpan, only the menu came."""
    budi = Person(core, "2001", "Budi")
    await budi.says("srt domisli")
    await budi.taps("Daftar")
    await fill_registration(budi, name="Budi Santoso", nik="1804070101900003", started=True)
    assert "terdaftar" in budi.text  # what registration says is kept
    assert "Surat mana yang Anda perlukan" in budi.text  # and the letter service goes on
    assert "Layanan Surat" not in " ".join(budi.buttons())  # not the menu


async def test_after_registering_the_report_asked_for_goes_on(core):
    budi = Person(core, "2001", "Budi")
    await budi.says("lampu jalan mati")
    await budi.taps("Daftar")
    await fill_registration(budi, name="Budi Santoso", nik="1804070101900003", started=True)
    assert "terdaftar" in budi.text and "Pengaduan" in budi.text
    assert "Listrik" in " ".join(budi.buttons())  # the report's first question: category


async def test_after_registering_the_very_letter_named_goes_on(one_village_core):
    """The letter named before registering ("surat pengantar nikah") is the one that goes
    on, not the list of all letters."""
    budi = Person(one_village_core, "2001", "Budi")
    await budi.says("surat pengantar nikah")
    await budi.taps("Daftar")
    await fill_registration(
        budi, village=None, name="Budi Santoso", nik="1804070101900003", started=True
    )
    assert "terdaftar" in budi.text and "Belum Menikah" in budi.text
    assert "Surat mana yang Anda perlukan" not in budi.text
