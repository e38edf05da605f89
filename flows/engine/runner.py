"""One message in, replies out: load the person, run one step, save it all in one transaction."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.common.villages import Region
from flows.engine import admin
from flows.engine import form as form_engine
from flows.engine.context import Ctx, FlowState, OfficialDirectory, Services
from flows.engine.delivery import queue
from flows.engine.handled import DUPLICATE, ERROR, NONE, Handled, Observer, Trace, record
from flows.engine.locks import KeyedLocks
from flows.engine.menu import (
    choose_language,
    help_text,
    main_menu,
    names_a_service,
    set_language,
    understand,
)
from flows.engine.types import ChatKind, Incoming, Kind, MediaProblem, Outbound, Reply
from storage import conversations, inbound, outbox, people, receipts
from storage.db import is_transient
from storage.media import ref_of
from storage.models import Conversation

log = logging.getLogger(__name__)

# Called once per button press: None to stop the phone's spinner, or a refusal to pop up.
Acknowledge = Callable[[Reply | None], None]

# Officials' actions in admin chats run under an identity of their own (see _handle).
ADMIN_SUFFIX = "/admin"
# Commands that mean "take me to the menu", which mid-form asks before leaving.
_MENU_COMMANDS = {"start", "menu"}
# Pauses before handling a message again whose transaction the database dropped whole
# (briefly unreachable, a deadlock): short, as the person waits, and the sender's next
# messages wait behind it.
RETRY_PAUSES = (0.1, 0.5)


class Runner:
    """Turns one Incoming into replies; everything it changes commits together."""

    def __init__(
        self,
        services: Services,
        sessions: async_sessionmaker[AsyncSession],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.services = services
        self._sessions = sessions
        self._locks = KeyedLocks()
        # Told after a commit that put messages in the outbox, so they leave at once.
        self._on_queued = on_queued
        # Told of every handled update (bot/ counts them for /metrics when it serves it).
        self.on_handled: Observer | None = None

    async def handle(self, msg: Incoming, acknowledge: Acknowledge | None = None) -> list[Reply]:
        """The replies to `msg`.

        For a button press, `acknowledge` (if given) is called once, as early as possible:
        before the database work, with None, so the phone stops its spinner at once; or,
        for a press that is refused or only shows a note, with that, which then is not
        among the replies (the channel shows it as a pop-up on the press).
        """
        started = time.perf_counter()
        trace = Trace()
        press = _Press(acknowledge) if acknowledge and msg.kind is Kind.CHOICE else None
        if press is not None and msg.chat_kind is ChatKind.PRIVATE:
            press.answer(None)  # nothing in a private chat refuses a press
        # One message per person at a time: a double tap must not race with itself.
        async with self._locks.hold((msg.channel, msg.sender)):
            try:
                services, admitted = await self._services_for(msg)
                note = self._note_only(msg) if admitted else None
                if note is not None:
                    replies = [note]
                else:
                    if press is not None and admitted:
                        press.answer(None)
                    replies = await self._retrying(msg, services, trace=trace)
            except Exception:
                # No message text or personal data in the log: only where it broke.
                log.exception("failed to handle a %s message on %s", msg.kind, msg.channel)
                trace.outcome = ERROR
                replies = [Reply(self._apology())]
        self._handled(msg, trace, started)
        if press is None:
            return replies
        alert = next((r for r in replies if r.alert), None)
        if alert is not None and press.answered:
            # An official's press was answered before the step ran (to stop the spinner):
            # a refusal it met (their own announcement to approve) is said in the chat.
            return [dataclasses.replace(r, alert=False) for r in replies]
        press.answer(alert)
        return [r for r in replies if not r.alert]

    async def again(self, msg: Incoming) -> list[Reply]:
        """The question the sender is at, asked again (changing nothing): a channel that
        shows a long list of choices page by page renders the pages from it."""
        started = time.perf_counter()
        trace = Trace()
        async with self._locks.hold((msg.channel, msg.sender)):
            try:
                replies = await self._retrying(msg, self.services, _ask_again, trace=trace)
            except Exception:
                log.exception("failed to ask again on %s", msg.channel)
                trace.outcome = ERROR
                replies = [Reply(self._apology())]
        self._handled(msg, trace, started)
        return replies

    def _handled(self, msg: Incoming, trace: Trace, started: float) -> None:
        handled = Handled(
            channel=msg.channel,
            kind=msg.kind.value,
            chat=msg.chat_kind.value,
            flow=trace.flow,
            step=trace.step,
            outcome=trace.outcome,
            seconds=time.perf_counter() - started,
        )
        record(handled)
        if self.on_handled is not None:
            try:
                self.on_handled(handled)
            except Exception:
                # Counting must never cost a person their answer.
                log.exception("counting a handled update failed")

    async def queue(self, messages: Sequence[Outbound]) -> None:
        """Put messages in the outbox outside a conversation (e.g. a reply that failed)."""
        async with self._sessions() as session, session.begin():
            for message in messages:
                await queue(session, message, self.services.clock())
        self._on_queued()

    async def store_media(
        self, msg: Incoming, data: bytes, *, mime_type: str, file_name: str | None
    ) -> str:
        """Keep a file `msg` brings in the media store; its reference for `msg.media_id`.

        Raises TooLarge beyond the store's cap."""
        store = self.services.media
        if store is None:
            raise RuntimeError("Balai was built without a media store")
        sha256 = await store.put(data)
        async with self._sessions() as session, session.begin():
            identity, _row = await people.identity_and_conversation(
                session, _identity_channel(msg), msg.sender
            )
            media_id = await store.record(
                session,
                sha256,
                len(data),
                kind=msg.kind.value,
                mime_type=mime_type,
                file_name=file_name,
                identity_id=identity.id,
                now=self.services.clock(),
            )
        return ref_of(media_id)

    def _note_only(self, msg: Incoming) -> Reply | None:
        """The note an official's press of a note-only button shows (a preview's resident
        buttons): no transaction, nothing changed, and the press is still unanswered, so
        the note comes up on it rather than in the chat."""
        if msg.kind is not Kind.CHOICE:
            return None
        note = self.services.catalog.admin_notes.get(msg.choice.partition(":")[0])
        if note is None:
            return None
        return Reply(self.services.translations(admin.ADMIN_LOCALE).gettext(note), alert=True)

    def _apology(self) -> str:
        return self.services.translations("id").gettext(
            "Sorry, something went wrong on our side. Your earlier answers are safe. "
            "Please try again in a moment."
        )

    async def _services_for(self, msg: Incoming) -> tuple[Services, bool]:
        """The services for one message, and whether it comes from a known official.

        An admin chat's membership is asked before the transaction starts: on SQLite the
        transaction holds the write lock, and nobody should wait for it while Telegram
        answers getChatMember."""
        if msg.chat_kind is not ChatKind.GROUP or msg.edited:
            return self.services, False
        # Commands, buttons and replies to Balai's messages (notes, files for a card) are
        # what the gate decides on; officials' own chatter is never asked about.
        if msg.kind not in (Kind.COMMAND, Kind.CHOICE) and not msg.reply_to:
            return self.services, False
        villages = self.services.villages
        if villages.by_admin_chat(msg.chat) is None and (
            villages.region_by_admin_chat(msg.chat) is None
        ):
            return self.services, False
        answer = await self.services.officials.is_official(msg.chat, msg.sender)
        known = _KnownMembership(self.services.officials, (msg.chat, msg.sender), answer)
        return dataclasses.replace(self.services, officials=known), answer

    async def _retrying(
        self, msg: Incoming, services: Services, step: _Step | None = None, *, trace: Trace
    ) -> list[Reply]:
        """`_handle`, run again after a transient database failure that cost nothing.

        Safe because one message is one transaction (savepoints inside it commit only
        with it) and a step's only effects outside it come after the commit. A failure
        of the commit itself is not retried: whether it landed is unknown, and running
        the step again could do it twice (or, by its receipt, answer nothing at all).
        """
        for pause in RETRY_PAUSES:
            attempt = _Attempt()
            try:
                return await self._handle(msg, services, step, trace=trace, attempt=attempt)
            except Exception as error:
                if attempt.committing or not is_transient(error):
                    raise
                log.warning("database unavailable (%s); trying again", type(error).__name__)
            await asyncio.sleep(pause)
        return await self._handle(msg, services, step, trace=trace)

    async def _handle(
        self,
        msg: Incoming,
        services: Services,
        step: _Step | None = None,
        *,
        trace: Trace | None = None,
        attempt: _Attempt | None = None,
    ) -> list[Reply]:
        trace = trace if trace is not None else Trace()
        async with self._sessions() as session, session.begin():
            # First, in the step's own transaction: a redelivered message stops here, and
            # a step that fails takes its receipt back with it.
            if msg.message_id is not None and not await receipts.first_time(
                session, msg.channel, msg.message_id, self.services.clock()
            ):
                log.info("a message delivered again on %s was skipped", msg.channel)
                trace.outcome = DUPLICATE
                return []
            in_group = msg.chat_kind is ChatKind.GROUP
            identity, row = await people.identity_and_conversation(
                session, _identity_channel(msg), msg.sender
            )
            if identity.unreachable_at is not None:
                identity.unreachable_at = None  # they wrote: reachable again
            woken = 0
            now = self.services.clock()
            # Noted every few minutes at most; messages held until they wrote go now. A
            # message is held only when the noted time is old or was forgotten, so a
            # message that notes it is the one that wakes them.
            if not in_group and inbound.touch(identity, now):
                woken = await outbox.wake(session, identity.channel, identity.external_id, now)
            if msg.sender_phone and not in_group and identity.phone != msg.sender_phone:
                identity.phone = msg.sender_phone
            citizen = (
                await people.citizen_by_id(session, identity.citizen_id)
                if identity.citizen_id is not None and not in_group
                else None
            )
            ctx = Ctx(services, session, msg, identity, citizen)
            # A flow removed in an upgrade is not resumed: start afresh rather than crash.
            flow = self.services.catalog.flows.get(row.flow) if row is not None else None
            if row is not None and flow is not None:
                # Copies: changing the loaded JSON in place would hide the change from
                # SQLAlchemy, and the new step would silently not be saved.
                ctx.state = FlowState(
                    flow=flow,
                    step=row.step,
                    form=copy.deepcopy(row.form),
                    **copy.deepcopy(row.history),
                )
                trace.at(row.flow, row.step)
            if step is not None:
                replies = await step(ctx)
            else:
                replies = await (self._admin(ctx) if in_group else self._private(ctx))
            if trace.flow == NONE and ctx.state is not None:
                trace.at(ctx.state.flow.name, ctx.state.step)
            await self._save_state(ctx, row)
            for message in ctx.outbox:
                await queue(session, message, self.services.clock())
            if attempt is not None:
                attempt.committing = True  # what fails from here may have been kept
        if ctx.outbox or woken:
            self._on_queued()
        return replies

    async def _save_state(self, ctx: Ctx, stored: Conversation | None) -> None:
        """Store where the person is now, unless that is what is stored already (a wrong
        answer changes nothing, and costs no write)."""
        state = ctx.state
        if state is None:
            if stored is not None:
                await conversations.clear(ctx.session, ctx.identity.id)
            return
        history = {
            "stack": state.stack,
            "editing": state.editing,
            "key": state.key,
            "then": state.then,
            "skipped": state.skipped,
        }
        if stored is not None and (stored.flow, stored.step, stored.form, stored.history) == (
            state.flow.name,
            state.step,
            state.form,
            history,
        ):
            return
        await conversations.save(
            ctx.session,
            ctx.identity.id,
            flow=state.flow.name,
            step=state.step,
            form=state.form,
            history=history,
            now=ctx.now(),
        )

    # --- private chats: residents ----------------------------------------------------
    async def _private(self, ctx: Ctx) -> list[Reply]:
        msg = ctx.msg
        if msg.edited:
            note = ctx._("I read only new messages, not edited ones. Please send it again.")
            if ctx.state is not None:
                return form_engine.current_question(ctx, note)
            return [Reply(note)]
        if msg.media_problem is not None:
            note = _media_note(ctx._, msg.media_problem, self.services)
            if ctx.state is not None:
                return form_engine.current_question(ctx, note)
            return [Reply(note)]
        if msg.kind is Kind.COMMAND:
            return await self._command(ctx)
        if msg.kind is Kind.CHOICE:
            return await self._choice(ctx)
        if ctx.state is not None:
            return await form_engine.handle(ctx)
        # Something the person was asked for (by an official, or to fix a request) is
        # answered by what they send next, without pressing ✍️ Jawab first.
        asks = ctx.citizen is not None and not names_a_service(ctx)
        for awaited in self.services.catalog.awaited if asks else ():
            answered = await awaited(ctx)
            if answered is not None:
                return answered
        # What anyone may type at the top level, registered or not (a link code).
        for typed in self.services.catalog.typed:
            answered = await typed(ctx)
            if answered is not None:
                return answered
        if msg.kind is Kind.TEXT and msg.text.strip():
            return await understand(ctx)
        text = ctx._("I can read text messages and buttons here. Please choose from the menu:")
        return [main_menu(ctx, text)]

    async def _command(self, ctx: Ctx) -> list[Reply]:
        command = ctx.msg.command
        if command in ("batal", "cancel"):
            if ctx.state is not None:
                return form_engine.cancel(ctx)
            return [main_menu(ctx, ctx._("There is nothing to cancel."))]
        if command in ("bahasa", "language"):
            return await choose_language(ctx)
        if command in ("bantuan", "help") and ctx.state is not None:
            return form_engine.current_question(ctx, help_text(ctx))
        intent = self.services.catalog.by_command(command)
        if ctx.state is not None:
            return form_engine.resume_or_cancel(ctx)
        if intent is None:
            return [
                main_menu(ctx, ctx._("I do not know that command. Please choose from the menu:"))
            ]
        if command == "start":
            opened = await self._start_link(ctx)
            if opened is not None:
                return opened
        if command in _MENU_COMMANDS:
            return [main_menu(ctx)]
        return await intent.run(ctx)

    async def _start_link(self, ctx: Ctx) -> list[Reply] | None:
        """`/start lapak_LPK-7K3Q` (a link into the chat): the capability claiming its prefix
        opens it; None for a bare /start or a payload nobody claims (the menu then)."""
        words = ctx.msg.text.split(maxsplit=1)
        payload = words[1].strip() if len(words) > 1 else ""
        prefix, sep, value = payload.partition("_")
        opener = self.services.catalog.start_links.get(prefix.lower()) if sep else None
        return await opener(ctx, value) if opener is not None and value else None

    async def _choice(self, ctx: Ctx) -> list[Reply]:
        prefix, _sep, value = ctx.msg.choice.partition(":")
        if prefix == "lang":
            return await set_language(ctx, value)
        if ctx.state is not None:
            if prefix in self.services.catalog.choices:
                return form_engine.resume_or_cancel(ctx)
            return await form_engine.handle(ctx)
        handler = self.services.catalog.choices.get(prefix)
        if handler is None:
            text = ctx._("That button is no longer active. Please choose from the menu:")
            return [main_menu(ctx, text)]
        return await handler(ctx, value)

    # --- group chats: officials --------------------------------------------------------
    async def _admin(self, ctx: Ctx) -> list[Reply]:
        msg, catalog = ctx.msg, self.services.catalog
        if msg.edited:
            return []  # an edited old message must never become an official's note
        acting = msg.kind in (Kind.COMMAND, Kind.CHOICE)
        village = self.services.villages.by_admin_chat(msg.chat)
        if ctx.state is not None and ctx.state.form.get("chat") != msg.chat:
            ctx.state = None  # a note begun in another village's admin chat
        if village is None:
            region = self.services.villages.region_by_admin_chat(msg.chat)
            if region is not None:
                return await self._region(ctx, region)
            return await admin.refuse_unknown_group(ctx) if acting else []
        if msg.media_problem is not None and (ctx.state is not None or msg.reply_to):
            # An official's file (the signed letter) that could not be kept: say so, and
            # the prompt they answered still waits for it.
            note = _media_note(admin.admin_gettext(ctx), msg.media_problem, self.services)
            if ctx.state is not None:
                return form_engine.current_question(ctx, note)
            return [Reply(note)]
        if not acting and ctx.state is None:
            for on_reply in catalog.admin_replies if msg.reply_to else ():
                answered = await on_reply(ctx)
                if answered is not None:
                    return answered
            return []  # officials talk among themselves; Balai stays quiet
        if not await ctx.services.officials.is_official(msg.chat, msg.sender):
            return await admin.refuse_non_official(ctx, village) if acting else []
        if msg.kind is Kind.CHOICE:
            prefix, _sep, value = msg.choice.partition(":")
            command_run = catalog.admin_command(value) if prefix == admin.COMMAND_BUTTON else None
            if command_run is not None:  # a button under the officials' help
                return await command_run(ctx)
            choice_handler = catalog.admin_choices.get(prefix)
            if choice_handler is not None:
                return await choice_handler(ctx, value)
            if ctx.state is not None:
                return await form_engine.handle(ctx)
            # A button of a prompt already answered or cancelled (❌ Batal, a tick). One
            # that names a case (`<step>:<desk prefix>:...`) is answered by its desk, with
            # the case's card.
            inner, _sep, rest = value.partition(":")
            desk_handler = catalog.admin_choices.get(inner) if rest else None
            if desk_handler is not None:
                return await desk_handler(ctx, rest)
            return admin.inactive_button(ctx)
        elif msg.kind is Kind.COMMAND:
            if msg.command in ("batal", "cancel"):
                if ctx.state is not None:
                    return form_engine.cancel(ctx)
                _ = admin.admin_gettext(ctx)
                return [Reply(_("There is nothing being cancelled."))]
            command_handler = catalog.admin_command(msg.command)
            if command_handler is not None:
                return await command_handler(ctx)
        elif ctx.state is not None:
            return await form_engine.handle(ctx)
        return await admin.admin_help(ctx)

    async def _region(self, ctx: Ctx, region: Region) -> list[Reply]:
        """A region's admin chat: only what capabilities open to regions (announcements)."""
        msg, catalog = ctx.msg, self.services.catalog
        allowed = catalog.region_names
        if ctx.state is not None and ctx.state.flow.name not in allowed:
            ctx.state = None
        acting = msg.kind in (Kind.COMMAND, Kind.CHOICE)
        if not acting and ctx.state is None:
            return []
        if not await ctx.services.officials.is_official(msg.chat, msg.sender):
            return await admin.refuse_non_region_official(ctx, region) if acting else []
        if msg.kind is Kind.CHOICE:
            prefix, _sep, value = msg.choice.partition(":")
            if prefix == admin.COMMAND_BUTTON and value in allowed:
                command_run = catalog.admin_command(value)
                if command_run is not None:
                    return await command_run(ctx)
            choice_handler = catalog.admin_choices.get(prefix) if prefix in allowed else None
            if choice_handler is not None:
                return await choice_handler(ctx, value)
            if ctx.state is not None:
                return await form_engine.handle(ctx)
            return admin.inactive_button(ctx)
        if msg.kind is Kind.COMMAND:
            if msg.command in ("batal", "cancel") and ctx.state is not None:
                return form_engine.cancel(ctx)
            command_handler = catalog.admin_command(msg.command)
            if command_handler is not None and msg.command in allowed:
                return await command_handler(ctx)
        elif ctx.state is not None:
            return await form_engine.handle(ctx)
        return await admin.region_help(ctx, region)


def _identity_channel(msg: Incoming) -> str:
    # An official's half-typed note in the admin chat must not clobber a form they are
    # filling in privately as a resident: the admin side has its own identity.
    return f"{msg.channel}{ADMIN_SUFFIX}" if msg.chat_kind is ChatKind.GROUP else msg.channel


def _media_note(gettext: Callable[[str], str], problem: MediaProblem, services: Services) -> str:
    """What to tell someone whose photo, voice note or file could not be kept."""
    if problem is MediaProblem.TOO_LARGE:
        limit = services.media.max_bytes // (1024 * 1024) if services.media else 0
        return gettext(
            "That file is too large for me. I can take photos, voice notes and files "
            "(such as PDF) up to {limit} MB. Please send a smaller one."
        ).format(limit=limit)
    return gettext(
        "Sorry, that file did not reach me. Nothing you sent before is lost. Please send it again."
    )


_Step = Callable[[Ctx], Awaitable[list[Reply]]]


async def _ask_again(ctx: Ctx) -> list[Reply]:
    """The current question of a form, else the main menu."""
    if ctx.state is not None:
        return form_engine.current_question(ctx)
    return [main_menu(ctx)]


@dataclasses.dataclass
class _Attempt:
    """One try at handling a message: whether it got as far as committing."""

    committing: bool = False


class _Press:
    """A button press's one acknowledgement: the first answer counts, later ones are dropped."""

    def __init__(self, acknowledge: Acknowledge) -> None:
        self._acknowledge: Acknowledge | None = acknowledge

    @property
    def answered(self) -> bool:
        return self._acknowledge is None

    def answer(self, alert: Reply | None) -> None:
        if self._acknowledge is not None:
            acknowledge, self._acknowledge = self._acknowledge, None
            acknowledge(alert)


class _KnownMembership:
    """One answer of the official directory asked in advance; other questions go through."""

    def __init__(self, directory: OfficialDirectory, key: tuple[str, str], answer: bool) -> None:
        self._directory = directory
        self._key = key
        self._answer = answer

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        if (chat_id, user_id) == self._key:
            return self._answer
        return await self._directory.is_official(chat_id, user_id)
