"""The form a letter request fills (a new request, or the fix of one officials sent back),
and the village and letter it is for."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.common.letter_types import LetterType
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.letters.card import PICKUP, LetterData, letter_type_of


@dataclass
class LetterForm:
    type: str = ""
    # The closest letters to what was typed, offered when no single one fits.
    suggestions: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    # document code -> [media kind, file id]
    documents: dict[str, list[str]] = field(default_factory=dict)
    purpose: str = ""
    delivery: str = PICKUP
    # Set when the applicant is fixing a request officials sent back.
    case_id: int = 0
    fix: list[str] = field(default_factory=list)
    fix_note: str = ""
    # Fields answered by what the person typed to ask for the letter ("ktp hilang").
    prefilled_fields: list[str] = field(default_factory=list)
    # The letter's introduction was shown with the first question: not again after a
    # wrong answer.
    introduced: bool = False


def village_of_applicant(ctx: Ctx) -> VillageConfig:
    village = ctx.village
    if village is None:
        raise LookupError("letters need a registered resident")
    return village


def letter_of(ctx: Ctx, form: LetterForm) -> LetterType:
    data = LetterData(
        type=form.type, values=form.values, documents=form.documents, purpose=form.purpose
    )
    return letter_type_of(village_of_applicant(ctx), data)
