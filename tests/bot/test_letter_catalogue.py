"""The letter catalogue: Balai's default, a deployment's own, a village's changes, mistakes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_villages
from bot.errors import SetupError
from flows.common.letter_types import FieldType
from flows.common.text import fold
from flows.common.workdays import add_working_days
from flows.letters.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue
from tests.bot.test_setup import balai
from tests.conftest import TWO_VILLAGES

GOOD_LETTER = """
[[letters]]
code = "izin_keramaian"
name = "Surat Pengantar Izin Keramaian"
short = "Izin Keramaian"
description = "Untuk hajatan atau acara yang mengundang banyak orang."
working_days = 2

[[letters.fields]]
code = "acara"
label = "Nama acara"
type = "text"
"""


def test_default_catalogue_has_the_letters_villages_need():
    letters = {t.code: t for t in load_catalogue(DEFAULT_CATALOGUE)}
    assert {
        "domisili",
        "usaha",
        "tidak_mampu",
        "pengantar_ktp",
        "pengantar_kk",
        "pengantar_skck",
        "kelahiran",
        "kematian",
        "belum_menikah",
        "pindah",
    } <= set(letters)
    sku = letters["usaha"]
    assert [f.code for f in sku.fields] == [
        "nama_usaha",
        "jenis_usaha",
        "alamat_usaha",
        "sejak_tahun",
    ]
    sktm = {f.code: f for f in letters["tidak_mampu"].fields}
    assert sktm["keperluan"].options == ("Sekolah", "Berobat", "Lainnya")
    assert sktm["penghasilan"].type is FieldType.MONEY
    birth = {f.code: f for f in letters["kelahiran"].fields}
    assert birth["tanggal_lahir"].past_only and birth["jenis_kelamin"].type is FieldType.CHOICE
    death = {f.code: f for f in letters["kematian"].fields}
    assert death["nik_almarhum"].type is FieldType.NIK and not death["nik_almarhum"].required
    assert letters["pengantar_skck"].purpose and all(t.working_days >= 1 for t in letters.values())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ('type = "text"', "letter #1 (izin_keramaian), field #1 (acara): type must be one of"),
        ("working_days = 2", "letter #1 (izin_keramaian): working_days must be a whole number"),
        ('code = "acara"', "field #1 (Nama Acara!): code must be lower-case"),
        ('short = "Izin Keramaian"', "short 'Izin Keramaian untuk hajatan besar' is longer"),
        ('label = "Nama acara"', "field #1 (acara): label must be a non-empty text"),
        ('name = "Surat Pengantar Izin Keramaian"', "letter #1 (izin_keramaian): unknown key"),
    ],
)
def test_a_malformed_catalogue_is_refused_naming_the_entry(tmp_path: Path, change, named):
    replacement = {
        'type = "text"': 'type = "nomor"',
        "working_days = 2": "working_days = 0",
        'code = "acara"': 'code = "Nama Acara!"',
        'short = "Izin Keramaian"': 'short = "Izin Keramaian untuk hajatan besar"',
        'label = "Nama acara"': 'label = ""',
        'name = "Surat Pengantar Izin Keramaian"': 'name = "Surat"\nnama = "typo"',
    }[change]
    path = tmp_path / "surat.toml"
    path.write_text(GOOD_LETTER.replace(change, replacement, 1))
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(path)
    message = str(raised.value)
    assert str(path) in message and named in message, message


def test_choice_without_options_and_duplicate_codes_are_refused(tmp_path: Path):
    path = tmp_path / "surat.toml"
    path.write_text(GOOD_LETTER.replace('type = "text"', 'type = "choice"'))
    with pytest.raises(CatalogueError, match="a choice needs between 2 and 8 options"):
        load_catalogue(path)
    path.write_text(GOOD_LETTER + GOOD_LETTER)
    with pytest.raises(CatalogueError, match="two letters share the code 'izin_keramaian'"):
        load_catalogue(path)


def test_deployment_catalogue_and_village_changes(tmp_path: Path):
    (tmp_path / "surat.toml").write_text(GOOD_LETTER)
    config = TWO_VILLAGES.read_text()
    config = 'letter_catalogue = "surat.toml"\n' + config
    (tmp_path / "balai.toml").write_text(config)
    villages = load_villages(tmp_path / "balai.toml")
    assert [t.code for t in villages.all()[0].letters] == ["izin_keramaian"]

    own = GOOD_LETTER.replace("[[letters", "[[villages.letters").replace(
        "izin_keramaian", "sk_tani"
    )
    config = TWO_VILLAGES.read_text().replace(
        'phone = "0725-123456"', 'phone = "0725-123456"\nletters_off = ["pindah", "kematian"]', 1
    )
    marker = "[[villages.office_hours]]"
    config = config.replace(marker, own.strip() + "\n\n" + marker, 1)
    (tmp_path / "balai.toml").write_text(config)
    sukamaju, sukamakmur = load_villages(tmp_path / "balai.toml").all()
    codes = [t.code for t in sukamaju.letters]
    assert "pindah" not in codes and "kematian" not in codes and codes[-1] == "sk_tani"
    assert len(sukamakmur.letters) == 10

    (tmp_path / "balai.toml").write_text(
        TWO_VILLAGES.read_text().replace(
            'phone = "0725-123456"', 'phone = "0725-123456"\nletters_off = ["surat_sakti"]', 1
        )
    )
    with pytest.raises(SetupError, match="letters_off names surat_sakti"):
        load_villages(tmp_path / "balai.toml")


def test_check_config_names_a_broken_catalogue(tmp_path: Path):
    (tmp_path / "surat.toml").write_text(GOOD_LETTER.replace("working_days = 2", ""))
    (tmp_path / "balai.toml").write_text(
        'letter_catalogue = "surat.toml"\n' + TWO_VILLAGES.read_text()
    )
    result = balai("check-config", BALAI_CONFIG=str(tmp_path / "balai.toml"))
    assert result.returncode == 2
    assert "surat.toml, letter #1 (izin_keramaian): working_days" in result.stderr


WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("sent", "days", "expected"),
    [
        ("2026-11-27 09:00", 1, "2026-11-30"),  # Friday -> Monday
        ("2026-11-28 10:00", 1, "2026-11-30"),  # Saturday -> Monday
        ("2026-11-29 10:00", 2, "2026-12-01"),  # Sunday -> Tuesday
        ("2026-11-25 16:00", 3, "2026-11-30"),  # Wednesday + 3 -> Monday
        ("2026-11-23 08:00", 5, "2026-11-30"),  # a whole week
    ],
)
def test_expected_date_skips_weekends(sent, days, expected):
    start = datetime.fromisoformat(sent).replace(tzinfo=WIB).astimezone(UTC)
    due = add_working_days(start, days, WIB)
    assert due.astimezone(WIB).date().isoformat() == expected


def test_working_days_count_in_the_village_zone():
    # Friday 23:30 in Jayapura (WIT) is still Friday 14:30 UTC; one working day is Monday.
    wit = ZoneInfo("Asia/Jayapura")
    start = datetime(2026, 11, 27, 23, 30, tzinfo=wit).astimezone(UTC)
    assert add_working_days(start, 1, wit).astimezone(wit).date().isoformat() == "2026-11-30"


def test_every_field_of_the_default_catalogue_is_asked_as_a_question():
    """Regression: fields were asked as their bare label ("Keperluan?")."""
    for letter in load_catalogue(DEFAULT_CATALOGUE):
        for field in letter.fields:
            asked = field.question
            assert asked.endswith("?") and fold(asked) != fold(field.label), (letter.code, field)


def test_a_fields_question_is_read_from_the_catalogue(tmp_path: Path):
    path = tmp_path / "letters.toml"
    path.write_text(
        GOOD_LETTER.replace(
            'label = "Nama acara"', 'label = "Nama acara"\nquestion = "Apa nama acaranya?"'
        )
    )
    [letter] = load_catalogue(path)
    assert letter.fields[0].question == "Apa nama acaranya?"
