"""The note an official's action needs: tick the parts it is about, then reply with words
or a file. One flow per case kind (`Desk.note_flow`), its prompts headed with the case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flows.common.text import clean
from flows.common.validation import Invalid, too_long
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Leave, Question, Reask, Stay, Step
from flows.engine.types import Button, Expect, Kind, Reply
from storage import cases

if TYPE_CHECKING:
    from flows.cases.desk import Desk

NOTE_MAX = 1000
# A note prompt's own buttons name their case as a card button does, under this action:
# `<prefix>:note:<case id>:<version>:<tick's index | CANCEL>`. Pressed after the prompt
# was answered or cancelled, the desk shows the case as it is now.
NOTE_BUTTON = "note"
NOTE_CANCEL = "x"


@dataclass
class NoteForm:
    """What an official is adding to an action: flagged fields, a note, a file."""

    case_id: int = 0
    version: int = 0
    action: str = ""
    chat: str = ""
    # The prompts' heading: the case's code and subject ("SRT-NFJK", "Surat Keterangan
    # Domisili"). Notes begun before they were stored have them filled in on the next answer.
    code: str = ""
    subject: str = ""
    note: str = ""
    media_kind: str = ""
    media_id: str = ""
    # The parts of the case the official may tick, as [value, label] pairs.
    choices: list[list[str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def note_text(ctx: Ctx, answer: Answer) -> str | Invalid:
    """The official's words (a caption with a file too), refused when too long, never cut."""
    text = clean(answer.text)
    problem = too_long(text, NOTE_MAX, admin_gettext(ctx), ADMIN_LOCALE)
    return problem if problem is not None else text


# --- the note an action needs ------------------------------------------------------------
async def fill_heading(ctx: Ctx, desk: Desk, form: NoteForm) -> None:
    """Give a note stored before prompts named their case its code and subject."""
    if form.code:
        return
    case = await cases.by_id(ctx.session, form.case_id)
    if case is not None:
        form.code, form.subject = desk.heading(admin_gettext(ctx), ctx.services, case)


def note_button(desk: Desk, form: NoteForm, what: str) -> str:
    return f"{desk.prefix}:{NOTE_BUTTON}:{form.case_id}:{form.version}:{what}"


def pressed_note_button(desk: Desk, form: NoteForm, answer: Answer) -> str | None:
    """What a note button of this prompt's case stands for (a tick's index, CANCEL)."""
    if answer.kind is not Kind.CHOICE:
        return None
    head = f"{desk.prefix}:{NOTE_BUTTON}:{form.case_id}:"
    if not answer.choice.startswith(head):
        return None
    return answer.choice.removeprefix(head).partition(":")[2]


def cancel_button(ctx: Ctx, desk: Desk, form: NoteForm) -> Button:
    _ = admin_gettext(ctx)
    return Button(_("❌ Cancel"), note_button(desk, form, NOTE_CANCEL))


class FlagsStep(Step[NoteForm]):
    """Tick the parts of the case the action is about (e.g. what the citizen must fix)."""

    name = "flags"

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def applies(self, ctx: Ctx, form: NoteForm) -> bool:
        return bool(form.choices)

    def question(self, ctx: Ctx, form: NoteForm) -> Question:
        _ = admin_gettext(ctx)
        options = [
            Button(
                ("✅ " if value in form.flags else "▫️ ") + label,
                note_button(self.desk, form, str(i)),
            )
            for i, (value, label) in enumerate(form.choices)
        ]
        options += [Button(_("➡️ Next"), "next"), cancel_button(ctx, self.desk, form)]
        text = _("Tap what needs fixing (tap again to untick), then ➡️ Next.")
        return Question(text, tuple(options), Expect.CHOICE, per_row=2, cancel_button=False)

    async def take(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | Stay | Leave | None:
        await fill_heading(ctx, self.desk, form)
        _ = admin_gettext(ctx)
        known = {value for value, _label in form.choices}
        pressed = pressed_note_button(self.desk, form, answer)
        if pressed == NOTE_CANCEL:
            return Leave(self.desk.note_flow.cancelled(ctx))
        if pressed is not None and pressed.isdigit() and int(pressed) < len(form.choices):
            answer = Answer(kind=Kind.CHOICE, choice=form.choices[int(pressed)][0])
        if answer.kind is Kind.CHOICE and answer.choice == "next":
            if not form.flags:
                return Invalid(_("Tick at least one field or document first."))
            return None
        if answer.kind is Kind.CHOICE and answer.choice in known:
            if answer.choice in form.flags:
                form.flags.remove(answer.choice)
            else:
                form.flags.append(answer.choice)
            return Stay(in_place=True)
        return Invalid(_("Please tap the buttons below."))


class NoteStep(Step[NoteForm]):
    """The official's words (or file) for an action, asked as a reply to the prompt."""

    name = "note"

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def question(self, ctx: Ctx, form: NoteForm) -> Question:
        _ = admin_gettext(ctx)
        cancel = _("To cancel, type /batal.")
        text = f"{self.desk.note_prompt(_, form)}\n{cancel}"
        options = (cancel_button(ctx, self.desk, form),)
        return Question(text, options, expects=Expect.TEXT, cancel_button=False)

    async def take(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | Leave | None:
        await fill_heading(ctx, self.desk, form)
        if pressed_note_button(self.desk, form, answer) == NOTE_CANCEL:
            return Leave(self.desk.note_flow.cancelled(ctx))
        return await self.desk.take_note(ctx, form, answer)


class NoteFlow(FormFlow[NoteForm]):
    form_type = NoteForm
    with_summary = False

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.name = desk.note_flow_name
        self.steps = (FlagsStep(desk), NoteStep(desk))

    def title(self, ctx: Ctx) -> str:
        """The case the prompt is for, as its card begins: "📄 SRT-NFJK · Surat ..."."""
        form = ctx.state.form if ctx.state is not None else {}
        code, subject = str(form.get("code") or ""), str(form.get("subject") or "")
        if not code:  # a note begun before prompts named their case
            _ = admin_gettext(ctx)
            return _("📋 Case")
        return f"{self.desk.icon} {code} · {subject}" if subject else f"{self.desk.icon} {code}"

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        _ = admin_gettext(ctx)
        code = str(ctx.state.form.get("code") or "") if ctx.state is not None else ""
        if code:
            return [Reply(_("Cancelled. {code} was not changed.").format(code=code))]
        return [Reply(_("Cancelled. The case was not changed."))]

    async def finish(self, ctx: Ctx, form: NoteForm, key: str) -> Finished | Reask:
        case = await cases.by_id(ctx.session, form.case_id)
        if case is None:
            _ = admin_gettext(ctx)
            return Finished([Reply(_("That case no longer exists."))])
        return Finished(await self.desk.apply_note(ctx, case, form))
