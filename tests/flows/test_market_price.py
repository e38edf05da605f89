"""Prices as villagers type them (flows.market.price)."""

from __future__ import annotations

import pytest

from flows.common.validation import Invalid
from flows.market.price import Price, parse_price


def _(text: str) -> str:
    return text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25000", Price(25_000)),
        ("25.000", Price(25_000)),
        ("25,000", Price(25_000)),
        ("25.000,00", Price(25_000)),
        ("1.250.000", Price(1_250_000)),
        ("25rb", Price(25_000)),
        ("25 rb", Price(25_000)),
        ("25 ribu", Price(25_000)),
        ("25RB", Price(25_000)),
        ("25k", Price(25_000)),
        ("2,5rb", Price(2_500)),
        ("1,5 jt", Price(1_500_000)),
        ("1.5jt", Price(1_500_000)),
        ("2 juta", Price(2_000_000)),
        ("Rp 25.000", Price(25_000)),
        ("Rp25.000", Price(25_000)),
        ("rp. 25.000,-", Price(25_000)),
        ("Rp 25.000/kg", Price(25_000, "kg")),
        ("25rb/kg", Price(25_000, "kg")),
        ("25rb / ikat", Price(25_000, "ikat")),
        ("50 ribu per hari", Price(50_000, "hari")),
        ("  15.000  per  butir ", Price(15_000, "butir")),
        ("nego", Price(None)),
        ("Bisa nego", Price(None)),
    ],
)
def test_prices_people_type(typed: str, expected: Price) -> None:
    assert parse_price(typed, _) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "murah", "25.00", "1.2.3jt", "0", "25xyz", "rp", "-5000", "25rb/" + "x" * 30, "1e9"],
)
def test_garbage_gets_an_example_and_no_price(typed: str) -> None:
    result = parse_price(typed, _)
    assert isinstance(result, Invalid)
    assert "25rb" in result.message and "nego" in result.message


def test_more_than_ten_billion_is_refused() -> None:
    assert isinstance(parse_price("20.000.000.000", _), Invalid)
