"""Choosing a village or a dusun, by button or by typing its name (typos welcome).

Villages of one deployment may share a name (Lampung Barat alone has seven such names):
such a name is never guessed. The person is asked which one, each named with its kecamatan.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Protocol, TypeVar

from flows.common.matching import match
from flows.common.text import fit_label, fold
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Question, Step
from flows.engine.types import Button, Expect, Kind

# More villages than this are chosen by typing (Telegram screens get long).
MAX_VILLAGE_BUTTONS = 8
# BAHASA.md: a button label has at most 20 characters (WhatsApp's limit for reply buttons).
MAX_LABEL = 20
# Match keys standing for every village of one name (village codes are digits and dots).
_NAME_KEY = "name:"


class _Layout(Enum):
    LABELS = "labels"  # a button per village, labelled with its name (and kecamatan if shared)
    KECAMATAN = "kecamatan"  # villages of one name: a button per kecamatan
    NUMBERED = "numbered"  # a numbered list in the text, a button per number


def _by_name(ctx: Ctx) -> dict[str, list[VillageConfig]]:
    """The deployment's villages grouped by name (folded: case and spelling marks aside)."""
    groups: dict[str, list[VillageConfig]] = {}
    for village in ctx.services.villages:
        groups.setdefault(fold(village.name), []).append(village)
    return groups


def village_label(ctx: Ctx, village: VillageConfig) -> str:
    """The village's name, with its kecamatan when another village has the same name."""
    same = _by_name(ctx)[fold(village.name)]
    if len(same) == 1:
        return village.name
    if sum(fold(v.kecamatan) == fold(village.kecamatan) for v in same) > 1:
        return ctx._("{village} (Kec. {kecamatan}, {kabupaten})").format(
            village=village.name, kecamatan=village.kecamatan, kabupaten=village.kabupaten
        )
    return ctx._("{village} (Kec. {kecamatan})").format(
        village=village.name, kecamatan=village.kecamatan
    )


def _shown(ctx: Ctx, suggestions: Sequence[str]) -> list[VillageConfig]:
    villages = ctx.services.villages.all()
    return [v for v in villages if v.code in suggestions] or villages


def _layout(ctx: Ctx, shown: list[VillageConfig]) -> _Layout:
    names = {fold(v.name) for v in shown}
    kecamatan = {fold(v.kecamatan) for v in shown}
    if (
        len(shown) > 1
        and len(names) == 1
        and len(kecamatan) == len(shown)
        and all(len(v.kecamatan) <= MAX_LABEL for v in shown)
    ):
        return _Layout.KECAMATAN
    groups = _by_name(ctx)
    if all(len(groups[fold(v.name)]) == 1 for v in shown):
        return _Layout.LABELS
    if all(len(village_label(ctx, v)) <= MAX_LABEL for v in shown):
        return _Layout.LABELS
    return _Layout.NUMBERED


def village_question(ctx: Ctx, suggestions: list[str]) -> Question:
    """Buttons for a handful of villages, typing (with suggestions) for more.

    Villages sharing a name are told apart by their kecamatan: on the buttons when it fits,
    else in a numbered list whose numbers are on the buttons.
    """
    shown = _shown(ctx, suggestions)
    if len(shown) > MAX_VILLAGE_BUTTONS:
        return Question(ctx._("Which village do you live in? Please type its name."))
    layout = _layout(ctx, shown)
    if layout is _Layout.KECAMATAN:
        text = ctx._(
            "In which kecamatan is your Desa {village}? Tap it, or type the kecamatan's name."
        ).format(village=shown[0].name)
        options = tuple(Button(v.kecamatan, v.code) for v in shown)
        return Question(text, options, Expect.CHOICE, per_row=2)
    if layout is _Layout.NUMBERED:
        listing = "\n".join(f"{n}. {village_label(ctx, v)}" for n, v in enumerate(shown, 1))
        text = ctx._("Which village do you live in? Tap its number, or type its name.")
        options = tuple(Button(_numbered(n, v), v.code) for n, v in enumerate(shown, 1))
        return Question(f"{text}\n\n{listing}", options, Expect.CHOICE, per_row=2)
    options = tuple(Button(village_label(ctx, v), v.code) for v in shown)
    text = ctx._("Which village do you live in? Tap it, or type its name.")
    return Question(text, options, Expect.CHOICE, per_row=2)


def _numbered(n: int, village: VillageConfig) -> str:
    """ "2. Gunung Sugih" (its kecamatan is in the list above it), or "2" if that is too long."""
    label = f"{n}. {village.name}"
    return label if len(label) <= MAX_LABEL else str(n)


def pick_village(
    ctx: Ctx, answer: Answer, suggestions: Sequence[str] = ()
) -> VillageConfig | list[str]:
    """The village chosen by button or typed name; else the codes of the closest ones.

    `suggestions` are the villages the question offered. A name shared by several villages
    gives back all of them (to ask which), unless the text also names one's kecamatan.
    """
    villages = ctx.services.villages
    if answer.kind is Kind.CHOICE:
        chosen = villages.by_code(answer.choice)
        return chosen if chosen is not None else []
    if answer.kind is not Kind.TEXT:
        return []
    offered = _from_offered(ctx, answer.text, _shown(ctx, suggestions))
    if offered is not None:
        return offered
    groups = _by_name(ctx)
    options: dict[str, tuple[str, ...]] = {}
    for name, group in groups.items():
        if len(group) == 1:
            village = group[0]
            options[village.code] = (village.name, f"desa {village.name}", *village.aliases)
            continue
        # One option for the shared name, so matching never picks one of them at random.
        options[_NAME_KEY + name] = (group[0].name, f"desa {group[0].name}")
        options.update({v.code: tuple(v.aliases) for v in group if v.aliases})
    found = match(answer.text, options, limit=MAX_VILLAGE_BUTTONS)
    candidates: list[VillageConfig] = []
    for key in [found.best] if found.best is not None else found.close:
        if key.startswith(_NAME_KEY):
            behind = groups.get(key.removeprefix(_NAME_KEY), [])
        else:
            behind = [v for v in (villages.by_code(key),) if v is not None]
        candidates += [v for v in behind if v not in candidates]
    said = f" {fold(answer.text)} "
    in_kecamatan = [v for v in candidates if f" {fold(v.kecamatan)} " in said]
    if len(in_kecamatan) == 1 and len(candidates) > 1:
        return in_kecamatan[0]
    if found.best is not None and len(candidates) == 1:
        return candidates[0]
    return [v.code for v in candidates[:MAX_VILLAGE_BUTTONS]]


def _from_offered(ctx: Ctx, text: str, offered: list[VillageConfig]) -> VillageConfig | None:
    """A number from a numbered list, or a kecamatan, answering the question as it was asked."""
    if len(offered) > MAX_VILLAGE_BUTTONS:
        return None
    layout = _layout(ctx, offered)
    typed = text.strip().rstrip(".")
    if layout is _Layout.NUMBERED and typed.isdigit() and 1 <= int(typed) <= len(offered):
        return offered[int(typed) - 1]
    if layout is _Layout.KECAMATAN:
        kecamatan = {
            v.code: (v.kecamatan, f"kec {v.kecamatan}", f"kecamatan {v.kecamatan}") for v in offered
        }
        best = match(text, kecamatan).best
        if best is not None:
            return ctx.services.villages.by_code(best)
    return None


def village_not_found(ctx: Ctx, close: list[str]) -> str:
    shown = _shown(ctx, close) if close else []
    if len(shown) > 1 and _layout(ctx, shown) is _Layout.KECAMATAN:
        return ctx._("There are {count} villages named {village}.").format(
            count=len(shown), village=shown[0].name
        )
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
        chosen = pick_village(ctx, answer, form.village_suggestions)
        if isinstance(chosen, list):
            form.village_suggestions = chosen
            return Invalid(village_not_found(ctx, chosen))
        form.village_code = chosen.code
        form.village_suggestions = []
        return None


def dusun_options(village: VillageConfig) -> tuple[Button, ...]:
    # A long dusun name still fits WhatsApp's 20-character button; the index is what counts.
    return tuple(Button(fit_label(name), str(i)) for i, name in enumerate(village.dusun))


def pick_dusun(village: VillageConfig, answer: Answer) -> str | None:
    """The dusun tapped (by its index) or typed, else None."""
    if answer.kind is Kind.CHOICE and answer.choice.isdigit():
        index = int(answer.choice)
        return village.dusun[index] if index < len(village.dusun) else None
    if answer.kind is Kind.TEXT:
        return match(answer.text, {name: (name, f"dusun {name}") for name in village.dusun}).best
    return None
