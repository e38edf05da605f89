"""What a form flow declares: its steps, the question each asks, the answer a step takes,
what taking it means, and how the flow finishes; the values of the engine's own buttons;
the active flow's state and a step found by its name.

The engine that runs a flow (`start`, `handle`, Kembali, Batal, the summary) is
`flows.engine.form`; what a question and the summary look like, `flows.engine.form_render`.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flows.common.validation import Invalid
from flows.engine.context import Ctx, FlowState
from flows.engine.types import Button, Expect, Kind, Location, Reply

F = TypeVar("F")

# A Kembali button carries the step it was shown on ("nav:back:<step>"): pressed later,
# from another step or the summary, it is an old button and is not followed.
NAV_BACK = "nav:back"
NAV_CANCEL = "nav:cancel"
NAV_RESUME = "nav:resume"
CONFIRM = "sum:ok"
EDIT_PREFIX = "sum:edit:"


@dataclass(frozen=True)
class Question:
    text: str
    options: Sequence[Button] = ()
    expects: Expect = Expect.TEXT
    per_row: int = 1
    share_label: str | None = None
    # False when the step's own options are already the way out (consent's
    # ❌ I do not agree): no ❌ Cancel beside them. Typed "batal" and /batal still cancel.
    cancel_button: bool = True


@dataclass(frozen=True)
class Leave:
    """Ends the flow early (e.g. consent refused), saying why."""

    replies: list[Reply]


@dataclass(frozen=True)
class Stay:
    """The answer was taken, and the same step goes on (e.g. another photo may follow).

    `in_place` redraws the question over the message whose button was pressed (ticking
    boxes), instead of saying `message` and asking again below.
    """

    message: str = ""
    in_place: bool = False


@dataclass(frozen=True)
class Onward:
    """The answer changes what comes after it (e.g. another letter was chosen): go on
    through the following steps even when the step was opened from the summary."""


@dataclass(frozen=True)
class Finished:
    replies: list[Reply]


@dataclass(frozen=True)
class Reask:
    """Finishing found a problem with one field: ask that step again with the reason."""

    step: str
    message: str


@dataclass(frozen=True)
class Review:
    """Finishing found the record changed under the form (someone else saved meanwhile):
    the flow has refilled the form with what is stored now; show the summary again."""

    message: str


class Step(ABC, Generic[F]):
    name: str
    # Counted in "Langkah n dari m" (a step that only picks which form follows is not).
    counted: bool = True

    def applies(self, ctx: Ctx, form: F) -> bool:
        return True

    def prefilled(self, form: F) -> bool:
        """True when the flow was started with this answer given (e.g. from free text)."""
        return False

    def in_sequence(self, ctx: Ctx, form: F) -> bool:
        """False for a field that has a good default and is only changed from the summary."""
        return True

    @abstractmethod
    def question(self, ctx: Ctx, form: F) -> Question: ...

    @abstractmethod
    async def take(
        self, ctx: Ctx, form: F, answer: Answer
    ) -> Invalid | Stay | Leave | Onward | None:
        """Store the answer in the form, or say what is wrong with it."""

    def summary(self, ctx: Ctx, form: F) -> tuple[str, str] | None:
        """(label, value) for the summary; None keeps the step out of it."""
        return None


@dataclass(frozen=True)
class Answer:
    """The part of an Incoming a step looks at; `choice` is the step's own option value."""

    kind: Kind
    text: str = ""
    choice: str = ""
    contact_phone: str | None = None
    contact_is_own: bool = False
    media_id: str | None = None
    location: Location | None = None


class FormFlow(ABC, Generic[F]):
    name: str
    form_type: type[F]
    steps: Sequence[Step[F]]
    with_summary: bool = True

    @abstractmethod
    def title(self, ctx: Ctx) -> str: ...

    @abstractmethod
    async def finish(self, ctx: Ctx, form: F, key: str) -> Finished | Reask | Review: ...

    def former_step_names(self, ctx: Ctx, form: F) -> Mapping[str, str]:
        """Step names an earlier version stored -> today's names, so a conversation
        saved before an upgrade goes on where it was."""
        return {}

    def steps_for(self, ctx: Ctx, form: F) -> Sequence[Step[F]]:
        """The steps of this form; a flow whose questions come from data (a letter's
        fields) builds them from the form, each named by what it asks, never by position."""
        return self.steps

    def confirm_label(self, ctx: Ctx) -> str:
        return ctx._("✅ Send")

    def confirm_buttons(self, ctx: Ctx, form: F) -> list[Button]:
        """The summary's send buttons; a flow may offer variants (e.g. send confidentially)."""
        return [Button(self.confirm_label(ctx), CONFIRM)]

    def confirmed(self, form: F, variant: str) -> None:
        """Record which send button was pressed (`variant` is the part after `sum:ok:`)."""

    def summary_intro(self, ctx: Ctx) -> str:
        text = ctx._("Please check your answers. If everything is correct, tap {send}.")
        return text.format(send=self.confirm_label(ctx))

    def summary_before(self, ctx: Ctx, form: F) -> list[Reply]:
        """Messages shown just above the summary each time it is shown (an announcement's
        preview, as residents will receive it)."""
        return []

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        """What cancelling says; `ctx.state` still holds the form being dropped."""
        return [Reply(ctx._("Cancelled. Nothing was saved."))]

    def gone(self, ctx: Ctx, form: F) -> str | None:
        """Why the flow cannot go on any more (e.g. its subject was removed), or None."""
        return None

    # --- form (de)serialisation -------------------------------------------------
    def load(self, data: dict[str, Any]) -> F:
        names = {f.name for f in dataclasses.fields(self.form_type)}  # type: ignore[arg-type]
        return self.form_type(**{k: v for k, v in data.items() if k in names})

    @staticmethod
    def dump(form: F) -> dict[str, Any]:
        return dataclasses.asdict(form)  # type: ignore[call-overload, no-any-return]


# --- the active flow and its steps ---------------------------------------------
def flow_state(ctx: Ctx) -> FlowState:
    if ctx.state is None:
        raise RuntimeError("no flow is active for this person")
    return ctx.state


def step_or_none(ctx: Ctx, flow: FormFlow[Any], form: Any, name: str) -> Step[Any] | None:
    return next((s for s in flow.steps_for(ctx, form) if s.name == name), None)
