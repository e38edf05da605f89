"""Officials' side of any case kind: card buttons, decisions, refusals.

Card buttons carry `<prefix>:<action>:<case id>:<version shown>`; the version is checked
again when the action lands, so a stale card or a second official's press changes
nothing. Every kind (complaints, letters) plugs in as a `Desk`; the checks, the audit
entries and the refusal are written once, in `flows.cases.decision`; the note an action
needs is `flows.cases.note`'s.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import (
    Gettext,
    age_text,
    held_line,
    replace_card,
    village_of,
    who_acted,
)
from flows.cases.decision import ask_note, decide, on_card_button
from flows.cases.lifecycle import CaseKind, is_subscriber
from flows.cases.note import NoteFlow, NoteForm, note_text
from flows.common.formatting import village_time
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form_flow import Answer
from flows.engine.types import Button, ButtonRows, Expect, Kind, Media, Reply
from storage import cases
from storage.models import Case


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
            *await held_line(_, session, case),
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

    @property
    def queue_statuses(self) -> frozenset[str]:
        """The statuses /antrian lists: the open ones, unless a kind keeps some open that
        wait for nobody (a live listing can still be taken down)."""
        return self.kind.open_statuses

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
