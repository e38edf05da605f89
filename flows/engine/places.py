"""Choosing a village or a dusun, by button or by typing its name (typos welcome)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flows.common.matching import match
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.form import Answer, Question, Step
from flows.engine.types import Button, Expect, Kind

# More villages than this are chosen by typing (Telegram screens get long).
MAX_VILLAGE_BUTTONS = 8


def village_question(ctx: Ctx, suggestions: list[str]) -> Question:
    """Buttons for a handful of villages, typing (with suggestions) for more."""
    villages = ctx.services.villages.all()
    shown = [v for v in villages if v.code in suggestions] or villages
    if len(shown) > MAX_VILLAGE_BUTTONS:
        return Question(ctx._("Which village do you live in? Please type its name."))
    options = tuple(Button(v.name, v.code) for v in shown)
    text = ctx._("Which village do you live in? Tap it, or type its name.")
    return Question(text, options, Expect.CHOICE, per_row=2)


def pick_village(ctx: Ctx, answer: Answer) -> VillageConfig | list[str]:
    """The village chosen by button or typed name; else the codes of the closest ones."""
    villages = ctx.services.villages
    if answer.kind is Kind.CHOICE:
        chosen = villages.by_code(answer.choice)
        return chosen if chosen is not None else []
    if answer.kind is not Kind.TEXT:
        return []
    names = {v.code: (v.name, f"desa {v.name}", *v.aliases) for v in villages}
    found = match(answer.text, names, limit=MAX_VILLAGE_BUTTONS)
    if found.best is not None:
        village = villages.by_code(found.best)
        if village is not None:
            return village
    return list(found.close)


def village_not_found(ctx: Ctx, close: list[str]) -> str:
    if close:
        return ctx._("We found more than one village with a similar name. Which one is yours?")
    return ctx._("We could not find a village with that name here. Please tap or type it again.")


class HasVillage(Protocol):
    village_code: str
    village_suggestions: list[str]


F = TypeVar("F", bound=HasVillage)


class VillageStep(Step[F]):
    """Which village: buttons or a typed name; close names come back as choices."""

    name = "village"

    def question(self, ctx: Ctx, form: F) -> Question:
        return village_question(ctx, form.village_suggestions)

    async def take(self, ctx: Ctx, form: F, answer: Answer) -> Invalid | None:
        chosen = pick_village(ctx, answer)
        if isinstance(chosen, list):
            form.village_suggestions = chosen
            return Invalid(village_not_found(ctx, chosen))
        form.village_code = chosen.code
        form.village_suggestions = []
        return None


def dusun_options(village: VillageConfig) -> tuple[Button, ...]:
    return tuple(Button(name, str(i)) for i, name in enumerate(village.dusun))


def pick_dusun(village: VillageConfig, answer: Answer) -> str | None:
    """The dusun tapped (by its index) or typed, else None."""
    if answer.kind is Kind.CHOICE and answer.choice.isdigit():
        index = int(answer.choice)
        return village.dusun[index] if index < len(village.dusun) else None
    if answer.kind is Kind.TEXT:
        return match(answer.text, {name: (name, f"dusun {name}") for name in village.dusun}).best
    return None
