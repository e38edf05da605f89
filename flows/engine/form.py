"""The form engine: named steps, progress, back, cancel, a summary with edit, finishing.

A flow is a list of steps over a typed form (a dataclass). Each step asks one question
and takes one answer; the engine keeps the way back, shows `Langkah n dari m`, lets the
person change any field from the summary, and hands the finished form to the flow.
What a flow and its steps declare is in `form_flow.py`; what a question and the summary
look like, in `form_render.py`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from flows.common.text import fold
from flows.common.validation import Invalid
from flows.engine.context import Ctx, FlowState
from flows.engine.form_flow import (
    CONFIRM,
    EDIT_PREFIX,
    NAV_BACK,
    NAV_CANCEL,
    NAV_RESUME,
    Answer,
    FormFlow,
    Leave,
    Onward,
    Reask,
    Review,
    Stay,
    Step,
    flow_state,
    step_or_none,
)
from flows.engine.form_render import ask, summary
from flows.engine.types import Button, Expect, Kind, Reply, noted_first, rows

F = TypeVar("F")

SUMMARY = "summary"
# Typed words that mean the same as the navigation buttons.
_BACK_WORDS = {"kembali", "back", "mundur"}
_CANCEL_WORDS = {"batal", "batalkan", "cancel"}


# --- entry points -----------------------------------------------------------
def start(
    ctx: Ctx, flow: FormFlow[F], form: F | None = None, at_summary: bool = False
) -> list[Reply]:
    """Begin `flow` for this person (with answers already known in `form`)."""
    form = form if form is not None else flow.form_type()
    ctx.state = FlowState(flow=flow, step="", form=flow.dump(form), key=uuid.uuid4().hex)
    if at_summary:
        ctx.state.step = SUMMARY
        return summary(ctx, flow, form)
    first = _next_step(ctx, flow, form, after=None)
    while first is not None and first.prefilled(form):
        ctx.state.stack.append(first.name)  # still reachable with Kembali
        ctx.state.skipped.append(first.name)  # but not counted in "Langkah n dari m"
        first = _next_step(ctx, flow, form, after=first)
    if first is None:
        raise RuntimeError(f"flow {flow.name} has no applicable step")
    ctx.state.step = first.name
    return [ask(ctx, flow, form, first)]


def expected(ctx: Ctx) -> Expect:
    """What the current question waits for (a photo, text, a choice)."""
    flow, form = _loaded(ctx)
    step = step_or_none(ctx, flow, form, flow_state(ctx).step)
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
    state = flow_state(ctx)
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

    found = step_or_none(ctx, flow, form, state.step)
    if found is None:
        # The step's question no longer exists (e.g. the catalogue changed mid-way):
        # keep every answer and ask the first question still open.
        return _resume_at_first_open(ctx, flow, form)
    step = found
    answer = _answer_for(step, msg)
    if answer is None:
        return [ask(ctx, flow, form, step).noted(_earlier_button(ctx))]
    outcome = await step.take(ctx, form, answer)
    if isinstance(outcome, Stay) and outcome.in_place:
        state.form = flow.dump(form)
        return [dataclasses.replace(ask(ctx, flow, form, step), replace_origin=True)]
    if isinstance(outcome, Invalid | Stay):
        # Saved even on a wrong answer: a step may keep hints (closest choices) or
        # partial answers (the photos so far) in the form. A Stay without a message
        # lets the question say it (e.g. "Photo 1 of 3 received").
        state.form = flow.dump(form)
        return [ask(ctx, flow, form, step).noted(outcome.message)]
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
    state = flow_state(ctx)
    if not state.editing:
        state.stack.append(done.name)
    following = None if state.editing else _next_step(ctx, flow, form, after=done)
    if following is not None:
        state.step = following.name
        return [ask(ctx, flow, form, following)]
    state.editing = False
    if flow.with_summary:
        state.step = SUMMARY
        return summary(ctx, flow, form)
    return await _finish(ctx, flow, form)


def _back(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = flow_state(ctx)
    if state.editing:
        state.editing = False
        state.step = SUMMARY
        return summary(ctx, flow, form)
    while state.stack:
        previous = step_or_none(ctx, flow, form, state.stack.pop())
        if previous is not None and previous.applies(ctx, form):
            state.step = previous.name
            return [ask(ctx, flow, form, previous)]
    return current_question(ctx)


async def _on_summary(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = flow_state(ctx)
    choice = ctx.msg.choice if ctx.msg.kind is Kind.CHOICE else ""
    if choice == CONFIRM or choice.startswith(CONFIRM + ":"):
        flow.confirmed(form, choice.removeprefix(CONFIRM).removeprefix(":"))
        state.form = flow.dump(form)
        return await _finish(ctx, flow, form)
    if choice.startswith(EDIT_PREFIX):
        target = step_or_none(ctx, flow, form, choice.removeprefix(EDIT_PREFIX))
        if target is not None and target.applies(ctx, form):
            state.step = target.name
            state.editing = True
            return [ask(ctx, flow, form, target)]
    note = ctx._(
        "Please use the buttons below: ✏️ to change something; when everything is correct, "
        "tap {send}."
    ).format(send=_either(ctx, [b.label for b in flow.confirm_buttons(ctx, form)]))
    return summary(ctx, flow, form, note)


async def _finish(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    state = flow_state(ctx)
    outcome = await flow.finish(ctx, form, state.key)
    if isinstance(outcome, Reask):
        step = _step(ctx, flow, form, outcome.step)
        state.step = step.name
        state.editing = flow.with_summary
        return [ask(ctx, flow, form, step).noted(outcome.message)]
    if isinstance(outcome, Review):
        state.form, state.step, state.editing = flow.dump(form), SUMMARY, False
        return summary(ctx, flow, form, outcome.message)
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


# --- the question the person is at --------------------------------------------
def _noted_last(note: str, replies: list[Reply]) -> list[Reply]:
    """`note` above the last of `replies`: the message to act on (a summary's, not its preview)."""
    return [*replies[:-1], replies[-1].noted(note)] if replies else noted_first(note, [])


def _current(ctx: Ctx, flow: FormFlow[Any], form: Any, note: str = "") -> list[Reply]:
    state = flow_state(ctx)
    if state.step == SUMMARY:
        return summary(ctx, flow, form, note)
    step = step_or_none(ctx, flow, form, state.step)
    if step is None:
        return _noted_last(note, _resume_at_first_open(ctx, flow, form))
    return [ask(ctx, flow, form, step).noted(note)]


# --- helpers ---------------------------------------------------------------------
def _loaded(ctx: Ctx) -> tuple[FormFlow[Any], Any]:
    state = flow_state(ctx)
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
    answered = set(flow_state(ctx).stack)
    for step in steps[start:]:
        if step.applies(ctx, form) and step.in_sequence(ctx, form) and step.name not in answered:
            return step
    return None


def _resume_at_first_open(ctx: Ctx, flow: FormFlow[Any], form: Any) -> list[Reply]:
    """Ask the first question not answered yet (the stack holds the answered ones)."""
    state = flow_state(ctx)
    state.editing = False
    steps = [s for s in flow.steps_for(ctx, form) if s.applies(ctx, form)]
    names = {s.name for s in steps}
    state.stack = [name for name in state.stack if name in names]
    first = next((s for s in steps if s.in_sequence(ctx, form) and s.name not in state.stack), None)
    if first is None and not flow.with_summary and steps:
        first, state.stack = steps[0], []
    if first is None:
        state.step = SUMMARY
        return summary(ctx, flow, form)
    state.step = first.name
    return [ask(ctx, flow, form, first)]


def _step(ctx: Ctx, flow: FormFlow[Any], form: Any, name: str) -> Step[Any]:
    step = step_or_none(ctx, flow, form, name)
    if step is None:
        raise KeyError(f"{flow.name} has no step {name}")
    return step
