"""One question, one answer: a reopen reason, a comment, a message added to a case.

A flow of a single question needs no form class, no step class and no summary of its
own: `OneQuestion` asks, reads the answer (text, and photos or voice notes where it
takes them), and hands it to `done`. Kembali and Batal work as in every form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from flows.common.text import clean, fold
from flows.common.validation import Invalid, too_long
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Question, Reask, Step
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Kind, Reply

SKIP = "skip"
_SKIP_WORDS = {"lewati", "skip"}


@dataclass
class Asked:
    """The record the question is about, and the answer once given."""

    case_id: int = 0
    # What the answer is for, when one flow asks for several reasons (answer / more info).
    purpose: str = ""
    text: str = ""
    media_kind: str = ""
    media_id: str = ""
    skipped: bool = False
    # The question's heading when it names its case ("📢 ADU-RFHH · Jalan & Jembatan").
    heading: str = ""


class _Ask(Step[Asked]):
    def __init__(self, flow: OneQuestion, name: str) -> None:
        self.flow = flow
        # Stored with conversations: keep a flow's name for its question across versions.
        self.name = name

    def question(self, ctx: Ctx, form: Asked) -> Question:
        flow = self.flow
        options = (Button(ctx._("⏭️ Skip"), SKIP),) if flow.skippable else ()
        return Question(flow.ask(ctx, form), options, Expect.TEXT)

    async def take(self, ctx: Ctx, form: Asked, answer: Answer) -> Invalid | None:
        flow = self.flow
        if flow.skippable and (
            (answer.kind is Kind.CHOICE and answer.choice == SKIP)
            or (answer.kind is Kind.TEXT and fold(answer.text) in _SKIP_WORDS)
        ):
            form.skipped = True
            return None
        text = clean(answer.text)
        problem = too_long(text, flow.max_length, ctx._, ctx.locale)
        if problem is not None:
            return problem
        if answer.kind in flow.media and answer.media_id:
            form.media_kind, form.media_id, form.text = answer.kind.value, answer.media_id, text
            return None
        if answer.kind is not Kind.TEXT or len(text) < flow.min_length:
            return Invalid(flow.invalid(ctx))
        form.text = text
        return None


class OneQuestion(FormFlow[Asked]):
    """A flow of one question whose answer goes straight to `done`."""

    form_type = Asked
    with_summary = False

    def __init__(
        self,
        name: str,
        *,
        title: Callable[[Ctx], str],
        ask: Callable[[Ctx, Asked], str],
        invalid: Callable[[Ctx], str],
        done: Callable[[Ctx, Asked], Awaitable[list[Reply]]],
        media: Sequence[Kind] = (),
        min_length: int = 1,
        max_length: int = 1000,
        skippable: bool = False,
        step_name: str = "answer",
    ) -> None:
        self.name = name
        self._title = title
        self.ask = ask
        self.invalid = invalid
        self._done = done
        self.media = tuple(media)
        self.min_length = min_length
        self.max_length = max_length
        self.skippable = skippable
        self.steps = (_Ask(self, step_name),)

    def title(self, ctx: Ctx) -> str:
        heading = ctx.state.form.get("heading") if ctx.state is not None else None
        return heading if isinstance(heading, str) and heading else self._title(ctx)

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Cancelled. Nothing was saved."))]

    async def finish(self, ctx: Ctx, form: Asked, key: str) -> Finished | Reask:
        return Finished(await self._done(ctx, form))
