"""Checks for what registration asks: names, NIK, RT/RW, phone numbers.

Each parser returns the normalised value, or an `Invalid` whose message says what is
expected (BAHASA.md: never blame the person, give the specific reason).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal

from flows.common.text import clean

Gettext = Callable[[str], str]

# Province codes in use (BAHASA.md), Papua's newer provinces included.
_SUMATRA_JAVA = (*range(11, 20), 21, *range(31, 37))
_EAST = (51, 52, 53, *range(61, 66), *range(71, 77), 81, 82, *range(91, 97))
PROVINCE_CODES = frozenset((*_SUMATRA_JAVA, *_EAST))
NAME_MAX = 100
_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ .,'’-]+[^\W\d_]*)*$")


@dataclass(frozen=True)
class Invalid:
    message: str


def too_long(text: str, limit: int, gettext: Gettext, locale: str) -> Invalid | None:
    """Long text is never cut without a word: say the limit and how long it was."""
    if len(text) <= limit:
        return None
    message = gettext(
        "That is too long: at most {limit} characters, and yours has {count}. "
        "Please send a shorter one."
    )
    return Invalid(
        message.format(
            limit=format_decimal(limit, locale=locale),
            count=format_decimal(len(text), locale=locale),
        )
    )


def parse_name(raw: str, _: Gettext) -> str | Invalid:
    name = clean(raw)
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2:
        return Invalid(_("Please type your full name as on your KTP, e.g. Siti Aminah."))
    if len(name) > NAME_MAX:
        return Invalid(
            _("That name is longer than {limit} characters. Please type a shorter name.").format(
                limit=NAME_MAX
            )
        )
    if not _NAME_ALLOWED.match(name):
        return Invalid(
            _(
                "A name may only contain letters, spaces, dots, commas, apostrophes and "
                "hyphens. Please type it again."
            )
        )
    return capitalised(name)


# Words that stay lower-case inside a name typed all in small letters ("bin", "binti").
_NAME_PARTICLES = frozenset({"bin", "binti", "van", "von", "der", "de", "da"})


def capitalised(name: str) -> str:
    """ "budi santoso" -> "Budi Santoso": each word typed entirely in small letters gets
    a capital (each part of "siti-aminah" too); a word with any capital ("McDonald",
    "bin Ahmad" as typed) is kept as it is, and so are particles after the first word."""
    words = name.split(" ")
    for i, word in enumerate(words):
        if not word.islower() or (i > 0 and word in _NAME_PARTICLES):
            continue
        words[i] = re.sub(r"(^|[-'’.])([^\W\d_])", lambda m: m[1] + m[2].upper(), word)
    return " ".join(words)


def parse_nik(raw: str, _: Gettext) -> str | Invalid:
    compact = re.sub(r"[\s.\-]", "", clean(raw))
    if not compact.isdigit() or not compact.isascii():
        return Invalid(_("A NIK contains digits only, 16 of them. Please type it again."))
    if len(compact) != 16:
        return Invalid(
            _("A NIK has 16 digits. The one you sent has {count}. Please type it again.").format(
                count=len(compact)
            )
        )
    province = int(compact[:2])
    if province not in PROVINCE_CODES:
        return Invalid(
            _(
                "The first two digits of a NIK are the province code, and {code} is not one. "
                "Please check your KTP and type it again."
            ).format(code=compact[:2])
        )
    if compact[2:4] == "00" or compact[4:6] == "00":
        return Invalid(
            _(
                "Digits 3 to 6 of a NIK are the regency and district codes and cannot be 00. "
                "Please check your KTP and type it again."
            )
        )
    if not _birth_date_possible(compact[6:12]):
        return Invalid(
            _(
                "Digits 7 to 12 of a NIK are the birth date (DDMMYY; women add 40 to the day), "
                "and {digits} is not a real date. Please check your KTP and type it again."
            ).format(digits=compact[6:12])
        )
    if compact[12:] == "0000":
        return Invalid(
            _(
                "The last four digits of a NIK start at 0001. "
                "Please check your KTP and type it again."
            )
        )
    return compact


def _birth_date_possible(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > 40:
        day -= 40
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


_RT_RW = re.compile(r"^\D*?(\d{1,3})\D+(\d{1,3})\D*$")


def parse_rt_rw(raw: str, _: Gettext) -> tuple[str, str] | Invalid:
    """Accepts `3/5`, `003/005`, `RT 3 RW 5`, `rt03 rw05`, `3 5`; gives ("003", "005")."""
    match = _RT_RW.match(clean(raw))
    if not match or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        return Invalid(_("Please type your RT and RW as two numbers, e.g. 003/005."))
    return match.group(1).zfill(3), match.group(2).zfill(3)


def parse_phone(raw: str, _: Gettext) -> str | Invalid:
    """Indonesian mobile numbers in any usual spelling, normalised to +62..."""
    compact = re.sub(r"[\s.\-()]", "", clean(raw))
    if compact.startswith("+"):
        compact = compact[1:]
    if compact.startswith("62"):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = compact
    if not national.isdigit() or not national.isascii() or not national.startswith("8"):
        return Invalid(
            _("A mobile number starts with 08 or +62, e.g. 0812 3456 7890. Please type it again.")
        )
    if not 9 <= len(national) <= 12:
        return Invalid(
            _(
                "A mobile number has 10 to 13 digits, e.g. 0812 3456 7890. The one you sent "
                "has {count}. Please type it again."
            ).format(count=len(national) + 1)
        )
    return "+62" + national
