"""How typed answers to a letter's fields are read: sums in Rupiah, dates, numbers, years."""

from __future__ import annotations

from datetime import date

import pytest

from flows.common.letter_types import FieldType, LetterField
from flows.common.validation import Invalid
from flows.letters.fields import parse_value, shown

TODAY = date(2026, 11, 22)
MONEY = LetterField("penghasilan", "Penghasilan", FieldType.MONEY)
BIRTH = LetterField("lahir", "Tanggal lahir", FieldType.DATE, past_only=True)


def same(text: str) -> str:
    return text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1500000", "1500000"),
        ("1.500.000", "1500000"),
        ("Rp 1.500.000,-", "1500000"),
        ("Rp1.500.000,00", "1500000"),
        ("1,500,000", "1500000"),
        ("1,5 juta", "1500000"),
        ("1.5 jt", "1500000"),
        ("750rb", "750000"),
        ("750 ribu", "750000"),
    ],
)
def test_amounts_as_people_write_them(typed, stored):
    assert parse_value(MONEY, typed, same, TODAY) == stored


@pytest.mark.parametrize("typed", ["satu juta", "1.500.000 juta", "1,250,000 rb", "1,5", "-5"])
def test_unclear_amounts_are_asked_again(typed):
    result = parse_value(MONEY, typed, same, TODAY)
    assert isinstance(result, Invalid) and "Rupiah" in result.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("17-08-2024", "2024-08-17"),
        ("17/8/2024", "2024-08-17"),
        ("17 Agustus 2024", "2024-08-17"),
        ("17 agt 2024", "2024-08-17"),
        ("2024-08-17", "2024-08-17"),
        ("22 November 2026", "2026-11-22"),
    ],
)
def test_dates_as_people_write_them(typed, stored):
    assert parse_value(BIRTH, typed, same, TODAY) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("23-11-2026", "future"), ("31-02-2024", "no such date"), ("kemarin", "day-month-year")],
)
def test_impossible_dates_say_why(typed, reason):
    result = parse_value(BIRTH, typed, same, TODAY)
    assert isinstance(result, Invalid) and reason in result.message


def test_stored_values_read_back_in_the_locale():
    assert shown(MONEY, "1500000", "id") == "Rp1.500.000"
    assert shown(BIRTH, "2024-08-17", "id") == "17 Agustus 2024"
    assert shown(BIRTH, "kemarin", "id") == "kemarin"  # answered before the type changed
    nik = LetterField("nik", "NIK", FieldType.NIK)
    assert shown(nik, "1804070101900003", "id", masked=True) == "1804**********03"


def test_long_text_answers_are_refused_with_their_limit_never_cut():
    address = LetterField("alamat", "Alamat usaha", FieldType.TEXT)
    result = parse_value(address, "Jalan Raya " * 30, same, TODAY, "id")
    assert isinstance(result, Invalid)
    assert "200" in result.message and "329" in result.message
