"""NIK, phone, RT/RW and name rules, and how Balai writes dates and money."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import load_villages
from flows.common.formatting import masked_nik, masked_phone, phone, rupiah, village_time
from flows.common.validation import Invalid, parse_name, parse_nik, parse_phone, parse_rt_rw
from tests.conftest import TWO_VILLAGES


def _(text: str) -> str:
    return text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1804074107900002", "1804074107900002"),  # woman born 1 July 1990
        ("1804 0701 0790 0002", "1804070107900002"),
        ("9271012902000001", "9271012902000001"),  # 29 Feb 2000, Papua Barat
        ("3171016902040001", "3171016902040001"),  # woman born 29 Feb 2004
    ],
)
def test_valid_niks(raw, expected):
    assert parse_nik(raw, _) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("18040741079000", "has 14"),
        ("1804O74107900002", "digits only"),
        ("2004074107900002", "20 is not one"),
        ("1800074107900002", "cannot be 00"),
        ("1804073207900002", "320790"),
        ("1804077207900002", "720790"),
        ("1804072902010001", "290201"),  # 29 Feb 1901 and 2001: neither was a leap year
        ("1804074107900000", "start at 0001"),
    ],
)
def test_invalid_niks_say_why(raw, reason):
    result = parse_nik(raw, _)
    assert isinstance(result, Invalid) and reason in result.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6285711112222", "+6285711112222"),
        ("8123456789", "+628123456789"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert parse_phone(raw, _) == expected


@pytest.mark.parametrize("raw", ["0725123456", "0812", "08123456789012345", "halo"])
def test_bad_phone_numbers(raw):
    assert isinstance(parse_phone(raw, _), Invalid)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3/5", ("003", "005")),
        ("RT 03 RW 05", ("003", "005")),
        ("rt3rw12", ("003", "012")),
        ("003 / 005", ("003", "005")),
    ],
)
def test_rt_rw(raw, expected):
    assert parse_rt_rw(raw, _) == expected


@pytest.mark.parametrize("raw", ["3", "0/5", "abc", "1/2/3"])
def test_bad_rt_rw(raw):
    assert isinstance(parse_rt_rw(raw, _), Invalid)


def test_names():
    assert parse_name("  siti   aminah ", _) == "Siti Aminah"
    assert parse_name("Ni Luh Putu Ayu", _) == "Ni Luh Putu Ayu"
    assert parse_name("Abdul Rahman, S.Pd.", _) == "Abdul Rahman, S.Pd."
    assert isinstance(parse_name("Siti 2", _), Invalid)


def test_formats():
    villages = load_villages(TWO_VILLAGES)
    moment = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    sukamaju, sukamakmur = villages.all()
    assert village_time(moment, sukamaju) == "22 November 2026 11.00 WIB"
    assert village_time(moment, sukamakmur) == "22 November 2026 12.00 WITA"
    assert rupiah(15000) == "Rp15.000"
    assert phone("+6281234567890") == "+62 812-3456-7890"
    assert masked_phone("+6281234567890") == "+62 812-****-7890"
    assert masked_nik("1804074107900002") == "1804**********02"
