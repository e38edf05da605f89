"""One message in, replies out: load the person, run one step, save it all in one transaction."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.engine import admin
from flows.engine import form as form_engine
from flows.engine.context import Ctx, FlowState, OfficialDirectory, Services
from flows.engine.delivery import queue
from flows.engine.group_chat import route_group
from flows.engine.handled import DUPLICATE, ERROR, NONE, Handled, Observer, Trace, record
from flows.engine.locks import KeyedLocks
from flows.engine.menu import main_menu
from flows.engine.private_chat import route_private
from flows.engine.types import ChatKind, Incoming, Kind, Outbound, Reply
from storage import conversations, inbound, outbox, people, receipts
from storage.db import is_transient
from storage.media import ref_of
from storage.models import Conversation

log = logging.getLogger(__name__)

# Called once per button press: None to stop the phone's spinner, or a refusal to pop up.
Acknowledge = Callable[[Reply | None], None]

# Officials' actions in admin chats run under an identity of their own (see _handle).
ADMIN_SUFFIX = "/admin"
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
                replies = await (route_group(ctx) if in_group else route_private(ctx))
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


def _identity_channel(msg: Incoming) -> str:
    # An official's half-typed note in the admin chat must not clobber a form they are
    # filling in privately as a resident: the admin side has its own identity.
    return f"{msg.channel}{ADMIN_SUFFIX}" if msg.chat_kind is ChatKind.GROUP else msg.channel


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
