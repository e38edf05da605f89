"""Prices as villagers type them: "25rb", "25.000", "Rp 25.000/kg", "1,5 jt", "nego".

Dots group thousands and a comma starts decimals, as Indonesians write; with a multiplier
(rb, ribu, k, jt, juta) either mark is a decimal point ("1.5jt", "1,5 jt"). A unit after
"/" or "per" is kept ("/kg", "per ikat").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flows.common.validation import Invalid

Gettext = Callable[[str], str]

MAX_PRICE = 10_000_000_000
UNIT_MAX = 15
NEGO_WORDS = {"nego", "bisa nego", "harga nego", "nego aja", "nego saja", "negotiable"}
_MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "rebu": 1_000, "jt": 1_000_000}
_MULTIPLIERS |= {"juta": 1_000_000}
_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)*)\s*([a-z]*)$")
_UNIT = re.compile(r"^(.*?)\s*(?:/|\bper\b)\s*([a-z][a-z ]*)$")


@dataclass(frozen=True)
class Price:
    """Whole Rupiah, or None for "nego"; the unit if the text named one."""

    amount: int | None
    unit: str = ""


def parse_price(raw: str, _: Gettext) -> Price | Invalid:
    """The price typed, or a message saying how to write it."""
    text = " ".join(raw.lower().replace("\u00a0", " ").split())
    if text in NEGO_WORDS:
        return Price(None)
    unit = ""
    found = _UNIT.match(text)
    if found is not None:
        text, unit = found.group(1), found.group(2).strip()
        if len(unit) > UNIT_MAX:
            return _invalid(_)
    text = re.sub(r"^rp\.?\s*", "", text).replace(" ", "").removesuffix(",-")
    amount = _amount(text)
    if amount is None or amount <= 0 or amount > MAX_PRICE:
        return _invalid(_)
    return Price(amount, unit)


def _amount(text: str) -> int | None:
    found = _NUMBER.match(text)
    if found is None:
        return None
    number, word = found.groups()
    if word:
        multiplier = _MULTIPLIERS.get(word)
        if multiplier is None or number.count(".") + number.count(",") > 1:
            return None
        return round(float(number.replace(",", ".")) * multiplier)
    whole, _sep, decimals = number.partition(",")
    if decimals and (len(decimals) > 2 or "." in decimals):
        # "25,000": a comma grouping thousands, as some phones write it.
        if re.fullmatch(r"\d{1,3}(,\d{3})+", number):
            return int(number.replace(",", ""))
        return None
    groups = whole.split(".")
    if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
        return None
    return int("".join(groups))


def _invalid(_: Gettext) -> Invalid:
    return Invalid(
        _(
            'Please type the price in Rupiah, e.g. "25000", "25rb", "Rp 25.000/kg" or '
            '"1,5 jt", or type "nego".'
        )
    )
