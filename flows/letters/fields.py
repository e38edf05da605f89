"""Reading what people type for a letter's fields: dates, sums in Rupiah, numbers, years.

Each parser returns the value to store (a string: ISO dates, whole Rupiah, digits) or
an `Invalid` saying what is expected, with an example.
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from flows.common.formatting import masked_nik, rupiah
from flows.common.letter_types import FieldType, LetterField
from flows.common.matching import match
from flows.common.text import clean, fold
from flows.common.validation import Gettext, Invalid, parse_nik, too_long

TEXT_MAX = 200
OWN_ANSWER_MIN = 3
_MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "feb", "pebruari", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[\s./-](\d{1,2})[\s./-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDED_DATE = re.compile(r"^(\d{1,2}) ([a-z]+) (\d{4})$")
# "1,5 juta", "750 rb": one optional decimal separator, then a unit.
_MONEY_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(juta|jt|ribu|rb|k)$")
# "1.500.000" or "1.500.000,00" (Indonesian), "1,500,000.00" (as phones sometimes write).
_MONEY_ID = re.compile(r"^(\d{1,3}(?:\.\d{3})+)(?:,\d{1,2})?$")
_MONEY_EN = re.compile(r"^(\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?$")
_NUMBER = re.compile(r"^(\d{1,6})(?:\s*(?:orang|org|jiwa))?$")


def parse_value(
    field: LetterField, raw: str, _: Gettext, today: date, locale: str = "id"
) -> str | Invalid:
    """The stored form of a typed answer to `field` (choices by button go elsewhere)."""
    text = clean(raw)
    if field.type is FieldType.DATE:
        return _date(field, text, _, today)
    if field.type is FieldType.MONEY:
        return _money(text, _)
    if field.type is FieldType.NUMBER:
        return _number(field, text, _)
    if field.type is FieldType.YEAR:
        return _year(field, text, _, today)
    if field.type is FieldType.NIK:
        return parse_nik(text, _)
    if field.type is FieldType.CHOICE:
        return choose(field, text, _, locale)
    if len(text) < 2:
        return Invalid(_("Please type the {label}.").format(label=field.label))
    return too_long(text, TEXT_MAX, _, locale) or text


# An option that means "something else": the person then says what, in their words.
_OTHER_OPTIONS = {"lainnya", "lain lain", "yang lain", "other"}


def other_option(field: LetterField) -> str | None:
    """The field's "Lainnya" option, when it has one (its choice is then open)."""
    return next((o for o in field.options if fold(o) in _OTHER_OPTIONS), None)


def choose(field: LetterField, text: str, _: Gettext, locale: str = "id") -> str | Invalid:
    found = match(text, {option: (option,) for option in field.options}).best
    if found is not None and found != other_option(field):
        return found
    if other_option(field) is None:
        return Invalid(_("Please tap one of the options below."))
    own = clean(text)  # "Lainnya": the person's own words
    if len(own) < OWN_ANSWER_MIN:
        return Invalid(_("Please type it in a few words."))
    return too_long(own, TEXT_MAX, _, locale) or own


def _date(field: LetterField, text: str, _: Gettext, today: date) -> str | Invalid:
    folded = fold(text)
    parts: tuple[int, int, int] | None = None
    if found := _NUMERIC_DATE.match(text):
        parts = (int(found[3]), int(found[2]), int(found[1]))
    elif found := _ISO_DATE.match(text):
        parts = (int(found[1]), int(found[2]), int(found[3]))
    elif (found := _WORDED_DATE.match(folded)) and found[2] in _MONTHS:
        parts = (int(found[3]), _MONTHS[found[2]], int(found[1]))
    example = _("Please type the date as day-month-year, e.g. 17-08-2024 or 17 Agustus 2024.")
    if parts is None:
        return Invalid(example)
    try:
        day = date(*parts)
    except ValueError:
        return Invalid(_("There is no such date. {example}").format(example=example))
    if field.past_only and day > today:
        return Invalid(_("That date is in the future. Please type the date it happened."))
    if day.year < 1900:
        return Invalid(_("Please check the year of that date."))
    return day.isoformat()


def _money(text: str, _: Gettext) -> str | Invalid:
    # "Rp 1.500.000,-" and "rp1500000" are how amounts are written on forms.
    plain = re.sub(r"^rp\.?\s*", "", text.lower()).removesuffix(",-").strip()
    if plain.isdigit():
        amount = int(plain)
    elif found := _MONEY_UNIT.match(plain):
        unit = 1_000_000 if found[2] in ("juta", "jt") else 1_000
        amount = round(float(found[1].replace(",", ".")) * unit)
    elif found := (_MONEY_ID.match(plain) or _MONEY_EN.match(plain)):
        amount = int(re.sub(r"[.,]", "", found[1]))  # the cents, if any, are dropped
    else:
        return Invalid(_("Please type an amount in Rupiah, e.g. 1.500.000 or 1,5 juta."))
    if amount > 10_000_000_000:
        return Invalid(_("Please check that amount; it looks too large."))
    return str(amount)


def _number(field: LetterField, text: str, _: Gettext) -> str | Invalid:
    found = _NUMBER.match(fold(text))
    low = field.minimum if field.minimum is not None else 0
    high = field.maximum if field.maximum is not None else 999_999
    if found is None:
        return Invalid(_("Please type a number, e.g. 3."))
    value = int(found[1])
    if not low <= value <= high:
        return Invalid(_("Please type a number from {low} to {high}.").format(low=low, high=high))
    return str(value)


def _year(field: LetterField, text: str, _: Gettext, today: date) -> str | Invalid:
    low = field.minimum if field.minimum is not None else 1900
    high = min(field.maximum or today.year, today.year)
    if not (text.isdigit() and len(text) == 4):
        return Invalid(_("Please type a year with four digits, e.g. 2019."))
    if not low <= int(text) <= high:
        return Invalid(_("Please type a year from {low} to {high}.").format(low=low, high=high))
    return text


def shown(field: LetterField, value: str, locale: str, *, masked: bool = False) -> str:
    """A stored value as people read it: 17 Agustus 2024, Rp1.500.000."""
    if not value:
        return "-"
    try:
        if field.type is FieldType.DATE:
            return format_date(date.fromisoformat(value), "d MMMM y", locale=locale)
        if field.type is FieldType.MONEY:
            return rupiah(int(value), locale)
    except ValueError:  # the catalogue changed the field's type after it was answered
        return value
    if field.type is FieldType.NIK and masked:
        return masked_nik(value)
    return value
