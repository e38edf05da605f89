"""Officials' side of any case kind: card buttons, the note an action needs, refusals.

Card buttons carry `<prefix>:<action>:<case id>:<version shown>`; the version is checked
again when the action lands, so a stale card or a second official's press changes
nothing. Every kind (complaints, letters) plugs in as a `Desk`; the checks, the audit
entries, the note prompt and the refusal are this module's, written once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, age_text, replace_card, village_of, who_acted
from flows.cases.lifecycle import (
    CaseKind,
    Refused,
    change_status,
    is_subscriber,
    record_official,
)
from flows.common.formatting import village_time
from flows.common.text import clean
from flows.common.validation import Invalid, too_long
from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form import Answer, Finished, FormFlow, Leave, Question, Reask, Stay, Step
from flows.engine.types import Button, ButtonRows, Expect, Kind, Media, Reply
from storage import cases
from storage.models import Case

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


@dataclass(frozen=True)
class Action:
    """One button of a kind's card: its label, where it leads, and what it asks first."""

    code: str
    # msgids: the button, and how the case history reads afterwards.
    button: str
    history: str
    to_status: str
    # The statuses whose card shows this button, and the button's row on the card.
    shown_in: frozenset[str]
    row: int = 0
    # Asked of the official (as a reply) before the action happens; None acts at once.
    prompt: str | None = None
    # Told to the official once a prompted action is done, e.g. "{code} is rejected."
    done: str = ""
    # The case is closed by it (its `closed_at` is set).
    closes: bool = False


class Desk(ABC):
    """One case kind as the admin chat handles it.

    A kind declares what differs (statuses in its `kind`, `actions`, card lines, what the
    resident is told in `after`); pressing, notes, version checks, refusals, the card's
    frame and its buttons are written here once.
    """

    kind: CaseKind
    # The first part of the card buttons' data, e.g. "c" for complaints.
    prefix: str
    # The card's first character, e.g. "📢".
    icon: str
    actions: tuple[Action, ...]
    # How the history reads for events that are not buttons (e.g. "created"): msgids.
    history_labels: Mapping[str, str]
    # How history and cards name the person behind the case (msgid).
    citizen_role: str
    # What an official is told, above the case as it is now, when their press came too
    # late: another official acted ("{name}"), or the resident changed the case (msgids,
    # in the kind's own word: permohonan, laporan).
    handled_text: str
    changed_text: str
    # /antrian's heading for this kind, and what it says when nothing is open.
    queue_title: str
    queue_empty: str
    # Statuses in which a case past its due time reminds officials, then escalates.
    waiting: frozenset[str]
    reminder: str
    escalation: str
    # The stored name of the flow that asks officials for an action's note.
    note_flow_name: str

    @property
    def kind_name(self) -> str:
        return self.kind.name

    @cached_property
    def note_flow(self) -> NoteFlow:
        return NoteFlow(self)

    @cached_property
    def _actions(self) -> dict[str, Action]:
        return {a.code: a for a in self.actions}

    def action(self, code: str) -> Action | None:
        return self._actions.get(code)

    async def on_button(self, ctx: Ctx, value: str) -> list[Reply]:
        """An official pressed a button on one of this kind's cards."""
        return await on_card_button(self, ctx, value)

    def action_label(self, _: Gettext, code: str) -> str:
        """How one event of the case's history reads to officials."""
        found = self.action(code)
        label = found.history if found else self.history_labels.get(code)
        return _(label) if label else code

    # --- what a kind says --------------------------------------------------------------
    @abstractmethod
    def subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        """What the case is about, after its code (a category, a letter's name)."""

    def queue_subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        return self.subject(_, village, case)

    @abstractmethod
    async def card_body(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        """The card's lines between its status and the time it was sent."""

    async def card_tail(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        """The card's lines after the time it was sent (before who acted)."""
        return []

    def card_media(self, services: Services, case: Case) -> tuple[Media, ...]:
        """Photos, voice notes, files or a map pin sent with the card."""
        return ()

    @abstractmethod
    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        """The case as its citizen sees it (for /status and lists)."""

    @abstractmethod
    async def after(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> None:
        """The action is recorded: tell the resident (and do what else follows from it)."""

    async def values_for(
        self, ctx: Ctx, case: Case, action: Action, form: NoteForm
    ) -> dict[str, object]:
        """Columns the action sets besides the status (e.g. the case's data)."""
        return {}

    def cannot_press(self, ctx: Ctx, case: Case, action: Action) -> str | None:
        """Why this action makes no sense for this case now (said to the official), or None."""
        return None

    async def take_note(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        """Store the official's reply in the form; text by default."""
        text = note_text(ctx, answer)
        if isinstance(text, Invalid):
            return text
        if answer.kind is not Kind.TEXT or not text:
            _ = admin_gettext(ctx)
            return Invalid(_("Please reply with text."))
        form.note = text
        return None

    def flag_options(self, ctx: Ctx, case: Case, action: str) -> list[Button]:
        """Parts of the case an action points at (e.g. fields to fix); none by default."""
        return []

    async def on_reply(self, ctx: Ctx, case: Case) -> list[Reply] | None:
        """An official replied to the case's card with a photo or file; None ignores it."""
        return None

    async def may_see(self, ctx: Ctx, case: Case, citizen_id: int) -> bool:
        """Who may look a case up (/status): its reporter and supporters by default."""
        return await is_subscriber(ctx, case, citizen_id)

    # --- written once for every kind ----------------------------------------------------
    async def render(
        self, services: Services, session: AsyncSession, case: Case, note: str = ""
    ) -> Reply:
        """The case's card in the admin chat: header, status, the kind's lines, age, who
        acted last, the buttons its status allows."""
        _ = services.translations(ADMIN_LOCALE).gettext
        village = village_of(services, case)
        sent = _("Sent: {when} ({age} ago)").format(
            when=village_time(case.created_at, village),
            age=age_text(_, services.clock() - case.created_at),
        )
        lines = [
            f"{self.icon} {case.code} · {self.subject(_, village, case)}",
            _("Status: {status}").format(status=_(self.kind.labels[case.status])),
            "",
            *await self.card_body(_, services, session, case),
            sent,
            *await self.card_tail(_, services, session, case),
            *await who_acted(_, session, case, village, self.action_label),
        ]
        if note:
            lines += ["", note]
        buttons = self.card_buttons(_, case)
        return Reply(
            "\n".join(lines),
            buttons,
            Expect.CHOICE if buttons else Expect.NOTHING,
            replace_origin=True,
            media=self.card_media(services, case),
        )

    def card_buttons(self, _: Gettext, case: Case) -> ButtonRows:
        shown = [a for a in self.actions if case.status in a.shown_in]
        rows_of: dict[int, list[Button]] = {}
        for action in shown:
            data = f"{self.prefix}:{action.code}:{case.id}:{case.version}"
            rows_of.setdefault(action.row, []).append(Button(_(action.button), data))
        return tuple(tuple(rows_of[row]) for row in sorted(rows_of))

    def queue_line(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        status = _(self.kind.labels[case.status])
        return f"{case.code} · {self.queue_subject(_, village, case)} · {status}"

    def note_prompt(self, _: Gettext, form: NoteForm) -> str:
        action = self.action(form.action)
        return _(action.prompt) if action and action.prompt else ""

    def heading(self, _: Gettext, services: Services, case: Case) -> tuple[str, str]:
        """The case's code and subject, as its card's first line names it."""
        return case.code, self.subject(_, village_of(services, case), case)

    async def refusal_note(
        self, _: Gettext, session: AsyncSession, case: Case, seen_version: int | None = None
    ) -> str:
        """Who changed the case since the card was drawn (at `seen_version`): an official,
        or its resident.

        Every status change makes a version (the case opens at 1), so the changes after the
        card's version are the history's status events from that position on. An official
        among them is named, the card's handler first so the note and the card's
        "Handled by" agree; only when the resident alone changed it is the resident named.
        """
        changes = [e for e in await cases.events(session, case.id) if e.to_status is not None]
        since = changes[seen_version:] if seen_version is not None else []
        officials = [e.actor for e in (since or changes[-1:]) if e.actor != "citizen"]
        if not officials and (since or changes):
            return _(self.changed_text)
        name = (
            case.assignee
            if case.assignee in officials
            else (officials[-1] if officials else case.assignee)
        )
        return _(self.handled_text).format(name=name or _("another official"))

    async def press(self, ctx: Ctx, code: str, case: Case, version: int) -> list[Reply]:
        """A valid, current button press: act at once, or ask for the action's note."""
        action = self.action(code)
        if action is None:  # on_card_button has answered unknown actions already
            return []
        reason = self.cannot_press(ctx, case, action)
        if reason is not None:
            return [Reply(reason)]
        if action.prompt is not None:
            return ask_note(ctx, self, case, code, version)
        form = NoteForm(case_id=case.id, version=version, action=code, chat=ctx.msg.chat)
        acted = await self.act(ctx, case, action, form)
        if isinstance(acted, list):
            return acted
        return [await self.render(ctx.services, ctx.session, case)]

    async def apply_note(self, ctx: Ctx, case: Case, form: NoteForm) -> list[Reply]:
        """The official replied with the action's note: act on it."""
        action = self.action(form.action)
        if action is None:
            return []
        acted = await self.act(ctx, case, action, form)
        if isinstance(acted, list):
            return acted
        _ = admin_gettext(ctx)
        return [Reply(_(action.done).format(code=case.code))]

    async def act(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> Case | list[Reply]:
        """Decide (race-safe, audited), tell whoever should know, refresh the card."""
        values: dict[str, object] = {"closed_at": ctx.now()} if action.closes else {}
        values |= await self.values_for(ctx, case, action, form)
        changed = await decide(
            ctx,
            self,
            case,
            version=form.version,
            to_status=action.to_status,
            action=action.code,
            note=form.note or None,
            values=values,
        )
        if isinstance(changed, list):
            return changed
        await self.after(ctx, case, action, form)
        await self.refresh(ctx, case)  # the pressed message may be a /kasus copy
        return changed

    async def refresh(self, ctx: Ctx, case: Case, note: str = "") -> None:
        replace_card(ctx, case, await self.render(ctx.services, ctx.session, case, note))


# --- a button press on a card -------------------------------------------------------------
def _parse(value: str) -> tuple[str, int, int] | None:
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    if action == NOTE_BUTTON:
        version = version.partition(":")[0]
    if not (case_id.isascii() and case_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    return action, int(case_id), int(version)


async def on_card_button(desk: Desk, ctx: Ctx, value: str) -> list[Reply]:
    """An official pressed a button on one of `desk`'s cards."""
    _ = admin_gettext(ctx)
    parsed = _parse(value)
    case = await cases.by_id(ctx.session, parsed[1]) if parsed else None
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if (
        parsed is None
        or case is None
        or village is None
        or ctx.services.village_ids.get(village.code) != case.village_id
        or case.kind != desk.kind.name
    ):
        return [Reply(_("This card is not valid in this group."))]
    code, _id, version = parsed
    if code == NOTE_BUTTON:  # a button of a note prompt nobody waits for any more
        return await refusal(ctx, desk, case, _("That button is no longer active."))
    action = desk.action(code)
    if action is None:
        # A button of an earlier version of Balai (an action since removed).
        await record_official(ctx, case, code, "stale")
        return await refusal(ctx, desk, case, _("That button is no longer active."))
    # Closed cases take no officials' actions (a complaint reopens only by its reporter).
    if case.version != version or case.status not in desk.kind.open_statuses:
        await record_official(ctx, case, code, "stale")
        return await refusal(ctx, desk, case, seen_version=version)
    if case.status not in action.shown_in:
        # The card never offers it now; an old card (or a forged press) still might.
        await record_official(ctx, case, code, "refused")
        note = _("{code} is {status} now, so {button} does not apply. Here it is now:")
        status = _(desk.kind.labels[case.status])
        return await refusal(
            ctx, desk, case, note.format(code=case.code, status=status, button=_(action.button))
        )
    return await desk.press(ctx, code, case, version)


def ask_note(ctx: Ctx, desk: Desk, case: Case, action: str, version: int) -> list[Reply]:
    choices = [[b.value, b.label] for b in desk.flag_options(ctx, case, action)]
    code, subject = desk.heading(admin_gettext(ctx), ctx.services, case)
    form = NoteForm(
        case_id=case.id,
        version=version,
        action=action,
        chat=ctx.msg.chat,
        code=code,
        subject=subject,
        choices=choices,
    )
    return form_engine.start(ctx, desk.note_flow, form)


def note_text(ctx: Ctx, answer: Answer) -> str | Invalid:
    """The official's words (a caption with a file too), refused when too long, never cut."""
    text = clean(answer.text)
    problem = too_long(text, NOTE_MAX, admin_gettext(ctx), ADMIN_LOCALE)
    return problem if problem is not None else text


def official_name(ctx: Ctx) -> str:
    return (ctx.msg.sender_name or ctx.msg.sender)[:100]


async def refusal(
    ctx: Ctx, desk: Desk, case: Case, note: str = "", seen_version: int | None = None
) -> list[Reply]:
    """Someone else got there first (or the card is old): say who, show the case now.

    One new message, the note above the current card with its buttons: the pressed
    message may be far up the chat (and already show this state, so editing it would
    show nothing). The card's photos and files stay with the card they came with.
    """
    _ = admin_gettext(ctx)
    note = note or await desk.refusal_note(_, ctx.session, case, seen_version)
    card = await desk.render(ctx.services, ctx.session, case)
    return [Reply(f"{note}\n\n{card.text}", card.buttons, card.expects)]


async def decide(
    ctx: Ctx,
    desk: Desk,
    case: Case,
    *,
    version: int,
    to_status: str,
    action: str,
    note: str | None = None,
    values: dict[str, object] | None = None,
) -> Case | list[Reply]:
    """Change the status for an official, audited; the refusal to show if it lost a race.

    The first official to act on a case becomes its handler unless `values` names one.
    """
    handler = {"assignee": official_name(ctx)} if case.assignee is None else {}
    changed = await change_status(
        ctx,
        desk.kind,
        case,
        seen_version=version,
        to_status=to_status,
        actor=official_name(ctx),
        action=action,
        note=note,
        values={**handler, **(values or {})},
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, action, "stale")
        return await refusal(ctx, desk, changed.case, seen_version=version)
    await record_official(ctx, case, action, "done")
    return changed


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
