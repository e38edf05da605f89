"""Registration as a resident lives it: whole conversations, then what was stored."""

from __future__ import annotations

from bot.app import build_core
from bot.settings import configure_logging
from flows.engine.types import Expect, Kind
from storage.models import Conversation
from tests.conftest import settings_for
from tests.helpers import (
    Person,
    citizens,
    conversation_of,
    fill_registration,
    outbox,
    register,
    rows,
)

FEMALE_NIK = "1804074107900002"  # born 01-07-1990, day + 40


async def test_full_registration_with_wrong_nik_first_and_an_edit(core):
    siti = Person(core)
    await siti.says("/start")
    assert "📝 Daftar" in siti.buttons()

    await siti.taps("Daftar")
    assert "Langkah 1 dari 7" in siti.text
    assert "UU PDP" in siti.text
    await siti.taps("Saya setuju")
    assert "Langkah 2 dari 7" in siti.text
    await siti.says("sukamju")  # a typo still finds the village
    assert "Langkah 3 dari 7" in siti.text
    await siti.says("Siti Aminah")

    await siti.says("1804 0741 07")
    assert "NIK harus 16 angka" in siti.replies[0].text
    assert "10" in siti.replies[0].text
    assert "Langkah 4 dari 7" in siti.last.text  # the same question again

    await siti.says("9904074107900002")
    assert "99" in siti.replies[0].text and "provinsi" in siti.replies[0].text.lower()

    await siti.says("1804077207900002")  # day 72 - 40 = 32: no such date
    assert "720790" in siti.replies[0].text

    await siti.says(FEMALE_NIK)
    assert "Langkah 5 dari 7" in siti.text
    await siti.taps("Sidorejo")
    await siti.says("rt 3 rw 5")
    assert siti.last.expects is Expect.CONTACT
    await siti.shares_contact("6281234567890")

    summary = siti.last.text
    assert "Siti Aminah" in summary and FEMALE_NIK in summary and "+62 812-3456-7890" in summary
    await siti.taps("Nama")
    await siti.says("Siti Aminah Lestari")
    assert "Siti Aminah Lestari" in siti.last.text  # back at the summary, changed
    await siti.taps("Simpan")

    [citizen] = await citizens(core)
    assert citizen.full_name == "Siti Aminah Lestari"
    assert citizen.nik == FEMALE_NIK
    assert (citizen.dusun, citizen.rt, citizen.rw) == ("Sidorejo", "003", "005")
    assert citizen.phone == "+6281234567890"
    assert citizen.consent_at is not None
    assert await conversation_of(core, "1001") is None  # nothing half-open left
    assert "Profil saya" in " ".join(siti.buttons())


async def test_officials_get_a_card_with_nik_and_phone_masked(core):
    await register(Person(core))
    [card] = await outbox(core)
    assert card.chat_id == "-1001000000001"  # Sukamaju's admin chat
    text = card.payload["text"]
    assert "1804**********02" in text and FEMALE_NIK not in text
    assert "+62 812-****-7890" in text and "3456" not in text
    assert "22 November 2026 11.00 WIB" in text


async def test_back_returns_to_previous_question_keeping_answers(core):
    siti = Person(core)
    await siti.says("/daftar")
    await siti.taps("setuju")
    await siti.taps("Sukamaju")
    await siti.says("Siti Aminah")
    await siti.taps("Kembali")
    assert "nama lengkap" in siti.last.text.lower()
    await siti.taps("Kembali")
    assert "Langkah 2 dari 7" in siti.last.text
    await siti.taps("Sukamaju")
    await siti.says("Siti Aminah")
    await siti.says(FEMALE_NIK)
    conversation = await conversation_of(core, "1001")
    assert conversation is not None
    assert conversation.form["full_name"] == "Siti Aminah"
    assert conversation.step == "dusun"


async def test_back_button_survives_an_invalid_answer(core):
    """Regression: the step history was changed in place and silently not saved."""
    siti = Person(core)
    await fill_registration(siti, until="name")
    await siti.says("12")  # not a name
    assert "⬅️ Kembali" in siti.buttons()
    await siti.taps("Kembali")
    assert "Langkah 2 dari 7" in siti.last.text


async def test_cancel_keeps_nothing(core):
    siti = Person(core)
    await fill_registration(siti, until="nik")
    await siti.says("/batal")
    assert "dibatalkan" in siti.text.lower()
    assert await citizens(core) == []
    assert await rows(core, Conversation) == []
    await siti.says("batal")  # nothing to cancel now: still a clear answer
    assert siti.replies


async def test_restart_mid_registration_resumes_at_the_same_step(db_url, clock, officials):
    first = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    siti = Person(first)
    await fill_registration(siti, until="nik")
    await first.close()

    second = await build_core(
        settings_for(db_url), officials, admin_channel="telegram", clock=clock
    )
    siti.core = second
    await siti.says("/start")  # asks before leaving the form
    await siti.taps("Lanjutkan")
    assert "Langkah 4 dari 7" in siti.last.text
    await siti.says(FEMALE_NIK)
    await siti.taps("Krajan")
    await siti.says("1/2")
    await siti.says("0812-3456-7890")
    await siti.taps("Simpan")
    [citizen] = await citizens(second)
    assert citizen.full_name == "Siti Aminah" and citizen.rt == "001"
    await second.close()


async def test_same_nik_twice_in_one_village_is_refused_without_naming_the_holder(core):
    await register(Person(core, "1001", "Siti"), name="Siti Aminah")
    budi = Person(core, "2002", "Budi")
    await fill_registration(budi, name="Budi Santoso", until="dusun")
    assert "tidak dapat dipakai" in budi.replies[0].text
    assert "Siti" not in budi.text
    assert "0725-123456" in budi.replies[0].text  # whom to contact
    assert len(await citizens(core)) == 1


async def test_same_nik_in_another_village_is_allowed(core):
    await register(Person(core, "1001"), village="Sukamaju")
    await register(Person(core, "2002"), village="Sukamakmur", dusun="Lingkungan Satu")
    assert len(await citizens(core)) == 2


async def test_declining_consent_stores_nothing(core):
    siti = Person(core)
    await siti.says("/daftar")
    await siti.taps("Tidak setuju")
    assert await citizens(core) == []
    assert await conversation_of(core, "1001") is None
    assert "/daftar" in siti.text


async def test_one_village_deployment_skips_the_village_question(one_village_core):
    siti = Person(one_village_core)
    await siti.says("/daftar")
    assert "Langkah 1 dari 6" in siti.text
    await siti.taps("setuju")
    assert "nama lengkap" in siti.last.text.lower()


async def test_phone_typed_in_any_usual_way_is_normalised(core):
    siti = Person(core)
    await fill_registration(siti, until="phone")
    await siti.says("12345")
    assert "08" in siti.replies[0].text  # says what a number looks like
    await siti.shares_contact("6289999999999", own=False)
    assert "sendiri" in siti.replies[0].text
    await siti.says("+62 (857) 1111-2222")
    assert "+62 857-1111-2222" in siti.last.text


async def test_village_names_that_are_too_close_get_choices(core):
    siti = Person(core)
    await siti.says("/daftar")
    await siti.taps("setuju")
    await siti.says("suka")
    assert {"Sukamaju", "Sukamakmur"} <= set(siti.buttons())


async def test_non_text_where_text_is_asked(core):
    siti = Person(core)
    await fill_registration(siti, until="name")
    for kind in (Kind.PHOTO, Kind.STICKER, Kind.VOICE, Kind.LOCATION, Kind.DOCUMENT):
        await siti.sends(kind)
        assert "ketik" in siti.replies[0].text.lower(), kind
        assert "Langkah 3 dari 7" in siti.last.text


async def test_double_tap_on_save_creates_one_resident(core):
    siti = Person(core)
    await fill_registration(siti, until="save")
    [save] = [b.value for row in siti.last.buttons for b in row if "Simpan" in b.label]
    await siti.presses(save)
    await siti.presses(save)  # the second tap of a double tap, or a redelivered update
    assert "Tombol itu sudah tidak aktif" in siti.text
    assert len(await citizens(core)) == 1
    assert len(await outbox(core)) == 1


async def test_many_villages_are_typed_and_close_names_offered(tmp_path, db_url, clock, officials):
    names = [
        "Sukamaju",
        "Sukamakmur",
        "Sukamulya",
        "Banjarsari",
        "Karangrejo",
        "Margorejo",
        "Sidomulyo",
        "Tanjungsari",
        "Wonosari",
        "Purwodadi",
    ]
    config = tmp_path / "kecamatan.toml"
    config.write_text(
        "".join(
            f'[[villages]]\ncode = "18.04.07.{2001 + i}"\nname = "{name}"\nkecamatan = "K"\n'
            f'kabupaten = "Kab"\ntimezone = "Asia/Jakarta"\nadmin_chat_id = {-1000 - i}\n'
            f'dusun = ["Satu"]\n\n'
            for i, name in enumerate(names)
        )
    )
    many = await build_core(
        settings_for(db_url, config), officials, admin_channel="telegram", clock=clock
    )
    siti = Person(many)
    await siti.says("/daftar")
    await siti.taps("setuju")
    assert "ketik" in siti.last.text.lower()
    assert [b for b in siti.buttons() if b in names] == []  # ten is too many buttons
    await siti.says("suka")
    assert {"Sukamaju", "Sukamakmur", "Sukamulya"} <= set(siti.buttons())
    await siti.taps("Sukamulya")
    await siti.says("Siti Aminah")
    conversation = await conversation_of(many, "1001")
    assert conversation is not None and conversation.form["village_code"] == "18.04.07.2003"
    await many.close()


async def test_personal_data_never_reaches_the_logs(core, caplog):
    configure_logging("DEBUG")  # as `BALAI_LOG_LEVEL=DEBUG balai run` would
    caplog.set_level("DEBUG")
    siti = Person(core)
    await register(siti, name="Siti Aminah", nik=FEMALE_NIK, phone="081234567890")
    await siti.says("/profil")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Siti Aminah", FEMALE_NIK, "81234567890", "1804**********02"):
        assert secret not in logged


async def test_english_residents_card_headline_is_indonesian_in_the_admin_chat(core):
    """Regression: the admin chat's card headline came in the resident's language."""
    jane = Person(core, "3003", "Jane")
    await jane.says("/bahasa")
    await jane.presses("lang:en")
    await jane.says("/register")
    await jane.taps("I agree")
    await jane.taps("Sukamaju")
    await jane.says("Jane Doe")
    await jane.says(FEMALE_NIK)
    await jane.taps("Krajan")
    await jane.says("003/005")
    await jane.says("081234567890")
    await jane.taps("Save")
    assert "registered" in jane.text  # she reads English

    await jane.says("/profile")
    await jane.taps("Correct data")
    await jane.taps("Name")
    await jane.says("Jane Doe Smith")
    await jane.taps("Save")

    new, changed = [m.payload["text"] for m in await outbox(core)]
    assert new.splitlines()[0] == "🆕 Warga baru mendaftar"
    assert changed.splitlines()[0] == "✏️ Data warga diubah"
    assert "Jane Doe Smith" in changed


async def test_consent_shows_one_refusal_button_not_two(core):
    """Regression: ❌ Tidak setuju and the engine's ❌ Batal stood side by side."""
    siti = Person(core)
    await siti.says("/daftar")
    assert siti.buttons() == ["✅ Saya setuju", "❌ Tidak setuju"]
    # Typed "batal" and /batal still leave, as on every other question.
    await siti.says("batal")
    assert "Pendaftaran dibatalkan" in siti.text
    await siti.says("/daftar")
    await siti.says("/batal")
    assert "Pendaftaran dibatalkan" in siti.text
    assert await conversation_of(core, "1001") is None
    assert await citizens(core) == []
    # The questions after consent keep their ❌ Batal.
    await siti.says("/daftar")
    await siti.taps("Saya setuju")
    assert "❌ Batal" in siti.buttons()


async def test_registration_summary_speaks_of_data_and_names_simpan(core):
    """Regression: the summary asked to check "jawaban Anda" and its hint said "kirim"
    where the button says ✅ Simpan."""
    siti = Person(core)
    await fill_registration(siti, until="save")
    summary = siti.last.text
    assert "Silakan periksa data Anda" in summary and "jawaban" not in summary
    assert "tekan ✅ Simpan" in summary
    await siti.says("sudah benar")  # typed instead of tapping
    hint = siti.replies[0].text
    assert "✅ Simpan" in hint and "kirim" not in hint.lower()
    assert "✅ Simpan" in siti.buttons()
