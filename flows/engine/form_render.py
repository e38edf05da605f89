"""What the form engine shows: the current question, headed by the flow's title and
`Langkah n dari m`, with Kembali and Batal; and the summary, a ✏️ button per field."""

from __future__ import annotations

from typing import Any

from flows.common.text import BUTTON_MAX, fit_label
from flows.engine.context import Ctx
from flows.engine.form_flow import (
    EDIT_PREFIX,
    NAV_BACK,
    NAV_CANCEL,
    FormFlow,
    Step,
    flow_state,
    step_or_none,
)
from flows.engine.types import Button, ButtonRows, Expect, Reply, rows


def ask(ctx: Ctx, flow: FormFlow[Any], form: Any, step: Step[Any]) -> Reply:
    state = flow_state(ctx)
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
    earlier = (step_or_none(ctx, flow, form, n) for n in state.stack)
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


def summary(ctx: Ctx, flow: FormFlow[Any], form: Any, note: str = "") -> list[Reply]:
    """What the flow shows above the summary (a preview), then the summary, `note` on it."""
    return [*flow.summary_before(ctx, form), _summary_message(ctx, flow, form).noted(note)]


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
        edits.append(Button(edit.format(field=fit_label(label, room)), f"{EDIT_PREFIX}{step.name}"))
    # The list first, then the intro: it ends with what to do (a question ends the message).
    text = f"{flow.title(ctx)}\n\n" + "\n".join(lines) + f"\n\n{flow.summary_intro(ctx)}"
    sends = flow.confirm_buttons(ctx, form)
    cancel = Button(ctx._("❌ Cancel"), NAV_CANCEL)
    # One send button shares a row with Batal; variants get a row each.
    send_rows = ((*sends, cancel),) if len(sends) == 1 else (*rows(*sends), (cancel,))
    buttons: ButtonRows = (*rows(*edits, per_row=2), *send_rows)
    return Reply(text, buttons, Expect.CHOICE)
