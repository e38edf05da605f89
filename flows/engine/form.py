"""The form engine: named steps, progress, back, cancel, a summary with edit, finishing.

A flow is a list of steps over a typed form (a dataclass). Each step asks one question
and takes one answer; the engine keeps the way back, shows `Langkah n dari m`, lets the
person change any field from the summary, and hands the finished form to the flow.
"""

from __future__ import annotations

import dataclasses
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flows.common.text import BUTTON_MAX, fit_label, fold
from flows.common.validation import Invalid
from flows.engine.context import Ctx, FlowState
from flows.engine.types import (
    Button,
    ButtonRows,
    Expect,
    Kind,
    Location,
    Reply,
    noted_first,
    rows,
)

F = TypeVar("F")

# A Kembali button carries the step it was shown on ("nav:back:<step>"): pressed later,
# from another step or the summary, it is an old button and is not followed.
NAV_BACK = "nav:back"
NAV_CANCEL = "nav:cancel"
NAV_RESUME = "nav:resume"
SUMMARY = "summary"
_CONFIRM = "sum:ok"
_EDIT_PREFIX = "sum:edit:"
# Typed words that mean the same as the navigation buttons.
_BACK_WORDS = {"kembali", "back", "mundur"}
_CANCEL_WORDS = {"batal", "batalkan", "cancel"}


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
        return [Button(self.confirm_label(ctx), _CONFIRM)]

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


# --- entry points -----------------------------------------------------------
def start(
    ctx: Ctx, flow: FormFlow[F], form: F | None = None, at_summary: bool = False
) -> list[Reply]:
    """Begin `flow` for this person (with answers already known in `form`)."""
    form = form if form is not None else flow.form_type()
    ctx.state = FlowState(flow=flow, step="", form=flow.dump(form), key=uuid.uuid4().hex)
    if at_summary:
        ctx.state.step = SUMMARY
        return _summary(ctx, flow, form)
    first = _next_step(ctx, flow, form, after=None)
    while first is not None and first.prefilled(form):
        ctx.state.stack.append(first.name)  # still reachable with Kembali
        ctx.state.skipped.append(first.name)  # but not counted in "Langkah n dari m"
        first = _next_step(ctx, flow, form, after=first)
    if first is None:
        raise RuntimeError(f"flow {flow.name} has no applicable step")
    ctx.state.step = first.name
    return [_ask(ctx, flow, form, first)]


def expected(ctx: Ctx) -> Expect:
    """What the current question waits for (a photo, text, a choice)."""
    flow, form = _loaded(ctx)
    step = _step_or_none(ctx, flow, form, _state(ctx).step)
    return step.question(ctx, form).expects if step is not None else Expect.CHOICE


def current_question(ctx: Ctx, note: str = "") -> list[Reply]:
    """The question the person is at, `note` above it in the same message."""
    flow, form = _loaded(ctx)
    gone = flow.gone(ctx, form)
    if gone is not None:
        return noted_first(note, noted_first(gone, cancel(ctx)))
    return _current(ctx, flow, form, note)


def resume_or_cancel(ctx: Ctx) -> list[Reply]:
    """Answer a menu request mid-form without losing the answers so far."""
    flow, _form = _loaded(ctx)
    text = ctx._("You are in the middle of: {title}. Continue where you left off, or cancel?")
    buttons = rows(
        Button(ctx._("▶️ Continue"), NAV_RESUME),
        Button(ctx._("❌ Cancel"), NAV_CANCEL),
        per_row=2,
    )
    return [Reply(text.format(title=flow.title(ctx)), buttons, Expect.CHOICE)]


def cancel(ctx: Ctx) -> list[Reply]:
    flow, _form = _loaded(ctx)
    replies = flow.cancelled(ctx)
    ctx.state = None
    return replies


async def handle(ctx: Ctx) -> list[Reply]:
    """Take the person's message as the answer to the current step."""
    flow, form = _loaded(ctx)
    state = _state(ctx)
    msg = ctx.msg
    nav = _navigation(ctx, msg.choice if msg.kind is Kind.CHOICE else msg.text)
    gone = flow.gone(ctx, form)
    if nav == NAV_CANCEL or gone is not None:
        return noted_first(gone or "", cancel(ctx))
    if nav == NAV_RESUME:
        return current_question(ctx)
    if nav == NAV_BACK:
        if msg.kind is Kind.CHOICE and not _back_from_here(state, msg.choice):
            return _current(ctx, flow, form, _earlier_button(ctx))
        return _back(ctx, flow, form)
    if state.step == SUMMARY:
        return await _on_summary(ctx, flow, form)

    found = _step_or_none(ctx, flow, form, state.step)
    if found is None:
        # The step's question no longer exists (e.g. the catalogue changed mid-way):
        # keep every answer and ask the first question still open.
        return _resume_at_first_open(ctx, flow, form)
    step = found
    answer = _answer_for(step, msg)
    if answer is None:
        return [_ask(ctx, flow, form, step).noted(_earlier_button(ctx))]
    outcome = await step.take(ctx, form, answer)
    if isinstance(outcome, Stay) and outcome.in_place:
        state.form = flow.dump(form)
        return [dataclasses.replace(_ask(ctx, flow, form, step), replace_origin=True)]
    if isinstance(outcome, Invalid | Stay):
        # Saved even on a wrong answer: a step may keep hints (closest choices) or
        # partial answers (the photos so far) in the form. A Stay without a message
        # lets the question say it (e.g. "Photo 1 of 3 received").
        state.form = flow.dump(form)
        return [_ask(ctx, flow, form, step).noted(outcome.message)]
    if isinstance(outcome, Leave):
        ctx.state = None
        return outcome.replies
    if isinstance(outcome, Onward) and state.editing:
        state.editing = False
        if step.name in state.stack:  # the old way on from here no longer holds
            del state.stack[state.stack.index(step.name) :]
    state.form = flow.dump(form)
    return await _advance(ctx, flow, form, step)


# --- moving between steps ----------------------------------------------------
async def _advance(ctx: Ctx, flow: FormFlow[Any], form: Any, done: Step[Any]) -> list[Reply]:
    state = _state(ctx)
    if not state.editing:
        state.stack.append(done.name)
    following = None if state.editing else _next_step(ctx, flow, form, after=done)
    if following is not None:
        state.step = following.name
        return [_ask(ctx, flow, form, following)]
    state.editing = False
    if flow.with_summary:
        state.step = SUMMARY
        return _summary(ctx, flow, form)
    return await _finish(ctx, flow, form)


def _back(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = _state(ctx)
    if state.editing:
        state.editing = False
        state.step = SUMMARY
        return _summary(ctx, flow, form)
    while state.stack:
        previous = _step_or_none(ctx, flow, form, state.stack.pop())
        if previous is not None and previous.applies(ctx, form):
            state.step = previous.name
            return [_ask(ctx, flow, form, previous)]
    return current_question(ctx)


async def _on_summary(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = _state(ctx)
    choice = ctx.msg.choice if ctx.msg.kind is Kind.CHOICE else ""
    if choice == _CONFIRM or choice.startswith(_CONFIRM + ":"):
        flow.confirmed(form, choice.removeprefix(_CONFIRM).removeprefix(":"))
        state.form = flow.dump(form)
        return await _finish(ctx, flow, form)
    if choice.startswith(_EDIT_PREFIX):
        target = _step_or_none(ctx, flow, form, choice.removeprefix(_EDIT_PREFIX))
        if target is not None and target.applies(ctx, form):
            state.step = target.name
            state.editing = True
            return [_ask(ctx, flow, form, target)]
    note = ctx._(
        "Please use the buttons below: ✏️ to change something; when everything is correct, "
        "tap {send}."
    ).format(send=_either(ctx, [b.label for b in flow.confirm_buttons(ctx, form)]))
    return _summary(ctx, flow, form, note)


async def _finish(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = _state(ctx)
    outcome = await flow.finish(ctx, form, state.key)
    if isinstance(outcome, Reask):
        step = _step(ctx, flow, form, outcome.step)
        state.step = step.name
        state.editing = flow.with_summary
        return [_ask(ctx, flow, form, step).noted(outcome.message)]
    if isinstance(outcome, Review):
        state.form, state.step, state.editing = flow.dump(form), SUMMARY, False
        return _summary(ctx, flow, form, outcome.message)
    ctx.state = None
    name, _sep, detail = state.then.partition(":")
    then = ctx.services.catalog.intents_by_name.get(name) if name else None
    if then is None or not then.visible(ctx):
        return outcome.replies
    # Carry on with what the person asked for before this flow: what was said stays,
    # its menu gives way to the next question.
    said = [dataclasses.replace(r, buttons=(), expects=Expect.NOTHING) for r in outcome.replies]
    going_on = await (then.resume(ctx, detail) if detail and then.resume else then.run(ctx))
    return [*said, *going_on]


# --- rendering -----------------------------------------------------------------
def _ask(ctx: Ctx, flow: FormFlow[Any], form: Any, step: Step[Any]) -> Reply:
    state = _state(ctx)
    question = step.question(ctx, form)
    # "Langkah n dari m" counts the questions this person is asked in turn: not the ones
    # answered by what they typed to start, nor a choice that only picks the form.
    applicable = [
        s.name
        for s in flow.steps_for(ctx, form)
        if s.applies(ctx, form)
        and s.in_sequence(ctx, form)
        and s.counted
        and s.name not in state.skipped
    ]
    header = flow.title(ctx)
    if len(applicable) > 1 and not state.editing and step.name in applicable:
        position = applicable.index(step.name) + 1
        progress = ctx._("Step {n} of {m}").format(n=position, m=len(applicable))
        header = f"{header} · {progress}"
    options = tuple(Button(b.label, f"{step.name}:{b.value}") for b in question.options)
    nav: list[Button] = []
    earlier = (_step_or_none(ctx, flow, form, n) for n in state.stack)
    if state.editing or any(s is not None and s.applies(ctx, form) for s in earlier):
        nav.append(Button(ctx._("⬅️ Back"), f"{NAV_BACK}:{step.name}"))
    if question.cancel_button:
        nav.append(Button(ctx._("❌ Cancel"), NAV_CANCEL))
    buttons: ButtonRows = (
        *rows(*options, per_row=question.per_row),
        *((tuple(nav),) if nav else ()),
    )
    return Reply(
        f"{header}\n\n{question.text}",
        buttons,
        question.expects,
        share_label=question.share_label,
    )


def _summary(ctx: Ctx, flow: FormFlow[Any], form: Any, note: str = "") -> list[Reply]:
    """What the flow shows above the summary (a preview), then the summary, `note` on it."""
    return [*flow.summary_before(ctx, form), _summary_message(ctx, flow, form).noted(note)]


def _noted_last(note: str, replies: list[Reply]) -> list[Reply]:
    """`note` above the last of `replies`: the message to act on (a summary's, not its preview)."""
    return [*replies[:-1], replies[-1].noted(note)] if replies else noted_first(note, [])


def _summary_message(ctx: Ctx, flow: FormFlow[Any], form: Any) -> Reply:
    lines, edits = [], []
    for step in flow.steps_for(ctx, form):
        if not step.applies(ctx, form):
            continue
        entry = step.summary(ctx, form)
        if entry is None:
            continue
        label, value = entry
        lines.append(f"• {label}: {value}")
        edit = ctx._("✏️ {field}")
        room = BUTTON_MAX - len(edit.format(field=""))
        edits.append(
            Button(edit.format(field=fit_label(label, room)), f"{_EDIT_PREFIX}{step.name}")
        )
    # The list first, then the intro: it ends with what to do (a question ends the message).
    text = f"{flow.title(ctx)}\n\n" + "\n".join(lines) + f"\n\n{flow.summary_intro(ctx)}"
    sends = flow.confirm_buttons(ctx, form)
    cancel = Button(ctx._("❌ Cancel"), NAV_CANCEL)
    # One send button shares a row with Batal; variants get a row each.
    send_rows = ((*sends, cancel),) if len(sends) == 1 else (*rows(*sends), (cancel,))
    buttons: ButtonRows = (*rows(*edits, per_row=2), *send_rows)
    return Reply(text, buttons, Expect.CHOICE)


def _current(ctx: Ctx, flow: FormFlow[Any], form: Any, note: str = "") -> list[Reply]:
    state = _state(ctx)
    if state.step == SUMMARY:
        return _summary(ctx, flow, form, note)
    step = _step_or_none(ctx, flow, form, state.step)
    if step is None:
        return _noted_last(note, _resume_at_first_open(ctx, flow, form))
    return [_ask(ctx, flow, form, step).noted(note)]


# --- helpers ---------------------------------------------------------------------
def _loaded(ctx: Ctx) -> tuple[FormFlow[Any], Any]:
    state = _state(ctx)
    flow = state.flow
    form = flow.load(state.form)
    renamed = flow.former_step_names(ctx, form)
    if renamed:
        state.step = renamed.get(state.step, state.step)
        state.stack = [renamed.get(name, name) for name in state.stack]
    return flow, form


def _navigation(ctx: Ctx, value: str) -> str | None:
    if value in (NAV_BACK, NAV_CANCEL, NAV_RESUME):
        return value
    if value.startswith(NAV_BACK + ":"):
        return NAV_BACK
    word = fold(value)
    # The labels also arrive as typed text from channels' reply keyboards.
    if word in _BACK_WORDS or value == ctx._("⬅️ Back"):
        return NAV_BACK
    if word in _CANCEL_WORDS or value == ctx._("❌ Cancel"):
        return NAV_CANCEL
    return None


def _back_from_here(state: FlowState, choice: str) -> bool:
    """Whether a pressed Kembali was shown with the question asked now.

    A button from before Kembali carried its step ("nav:back") may still sit in a chat:
    it is taken as pressed on the current question, except at the summary, which never
    shows Kembali.
    """
    if choice == NAV_BACK:
        return state.step != SUMMARY
    return choice.removeprefix(NAV_BACK + ":") == state.step


def _earlier_button(ctx: Ctx) -> str:
    return ctx._("That button belongs to an earlier question. Here is the current one:")


def _either(ctx: Ctx, labels: Sequence[str]) -> str:
    """The send buttons to name in a hint: one label, or "A or B" (A, B or C)."""
    if len(labels) < 2:
        return "".join(labels)
    return ctx._("{first} or {second}").format(first=", ".join(labels[:-1]), second=labels[-1])


def _answer_for(step: Step[Any], msg: Any) -> Answer | None:
    if msg.kind is Kind.CHOICE:
        prefix = f"{step.name}:"
        if not msg.choice.startswith(prefix):
            return None
        return Answer(kind=Kind.CHOICE, choice=msg.choice.removeprefix(prefix))
    contact = msg.contact
    return Answer(
        kind=msg.kind,
        text=msg.text,
        contact_phone=contact.phone if contact else None,
        contact_is_own=contact.is_senders_own if contact else False,
        media_id=msg.media_id,
        location=msg.location,
    )


def _next_step(
    ctx: Ctx, flow: FormFlow[Any], form: Any, after: Step[Any] | None
) -> Step[Any] | None:
    steps = list(flow.steps_for(ctx, form))
    names = [s.name for s in steps]
    start = 0 if after is None or after.name not in names else names.index(after.name) + 1
    # Answered steps are on the stack; skipping them matters when the steps themselves
    # changed order since (a catalogue edit mid-way).
    answered = set(_state(ctx).stack)
    for step in steps[start:]:
        if step.applies(ctx, form) and step.in_sequence(ctx, form) and step.name not in answered:
            return step
    return None


def _resume_at_first_open(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    """Ask the first question not answered yet (the stack holds the answered ones)."""
    state = _state(ctx)
    state.editing = False
    steps = [s for s in flow.steps_for(ctx, form) if s.applies(ctx, form)]
    names = {s.name for s in steps}
    state.stack = [name for name in state.stack if name in names]
    first = next((s for s in steps if s.in_sequence(ctx, form) and s.name not in state.stack), None)
    if first is None and not flow.with_summary and steps:
        first, state.stack = steps[0], []
    if first is None:
        state.step = SUMMARY
        return _summary(ctx, flow, form)
    state.step = first.name
    return [_ask(ctx, flow, form, first)]


def _step_or_none(ctx: Ctx, flow: FormFlow[Any], form: Any, name: str) -> Step[Any] | None:
    return next((s for s in flow.steps_for(ctx, form) if s.name == name), None)


def _step(ctx: Ctx, flow: FormFlow[Any], form: Any, name: str) -> Step[Any]:
    step = _step_or_none(ctx, flow, form, name)
    if step is None:
        raise KeyError(f"{flow.name} has no step {name}")
    return step


def _state(ctx: Ctx) -> FlowState:
    if ctx.state is None:
        raise RuntimeError("no flow is active for this person")
    return ctx.state
