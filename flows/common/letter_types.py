"""The letter catalogue as flows see it: which letters a village issues and what each needs.

Parsed and checked from the deployment's catalogue file by `flows.letters.catalogue`; the
names, descriptions and labels are the deployment's own words (Indonesian), like the
village's name and FAQ, so they are shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    # A sum in Rupiah ("1,5 juta", "Rp 750.000").
    MONEY = "money"
    DATE = "date"
    YEAR = "year"
    CHOICE = "choice"
    # A 16-digit NIK checked like the one in registration (e.g. of the deceased).
    NIK = "nik"


# Limits that keep a request short enough to fill in on a phone. (Step names are
# "field:<code>" / "doc:<code>"; the catalogue's short codes keep them, and the buttons
# carrying them, within a button's 64 bytes.)
MAX_FIELDS = 12
MAX_DOCUMENTS = 6
MAX_OPTIONS = 8


@dataclass(frozen=True)
class LetterField:
    code: str
    label: str
    type: FieldType
    required: bool = True
    hint: str = ""
    options: tuple[str, ...] = ()
    # How the field is asked, as a sentence ("Apa nama usaha Anda?"); the label names it
    # on the summary and the card. Without one the label is asked with a short instruction.
    question: str = ""
    # For dates: refuse a day after today (a birth, a death).
    past_only: bool = False
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Requirement:
    """A document the applicant photographs (KTP, KK, surat pengantar RT/RW)."""

    code: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class LetterType:
    code: str
    name: str
    # The button label; short enough for two buttons side by side.
    short: str
    description: str
    working_days: int
    documents: tuple[Requirement, ...] = ()
    fields: tuple[LetterField, ...] = ()
    # Whether the applicant states what the letter is for (keperluan).
    purpose: bool = False
    purpose_options: tuple[str, ...] = ()
    # Other names and abbreviations people type ("sktm", "sku", "srt domisili").
    aliases: tuple[str, ...] = ()

    def field(self, code: str) -> LetterField | None:
        return next((f for f in self.fields if f.code == code), None)

    def document(self, code: str) -> Requirement | None:
        return next((d for d in self.documents if d.code == code), None)
