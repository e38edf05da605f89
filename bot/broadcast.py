"""The announcement dispatcher: starts due announcements, feeds their deliveries into the
outbox a few at a time, copies the outcomes back, and keeps the progress card current.

No resident gets an announcement twice: each delivery enters the outbox under the unique
key "ann:<announcement>:<citizen>" in the transaction that marks it queued, so a crash
before that commit queues it again under the same key (ignored if it was queued), and one
after it finds it queued. The one window left: a worker that died after the chat app took
the message and before it committed "sent" (bot/outbox.py) offers it again after the
outbox's claim timeout, and that resident receives it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.announce.message import EMERGENCY, KINDS, NORMAL, resident_message
from flows.announce.progress import progress_card
from flows.announce.quiet import goes_at
from flows.common.villages import VillageConfig
from flows.engine.context import Services
from flows.engine.delivery import queue, queue_all
from flows.engine.types import Outbound
from storage import broadcast, outbox
from storage.models import Announcement

log = logging.getLogger(__name__)

# The outbox holds about 2 s of announcement deliveries at a time: a card or notification
# queued meanwhile waits behind at most that many (and overtakes them by priority anyway).
BACKLOG = 50
# Announcement deliveries per second the expected finish assumes: what the Telegram send
# window leaves them with a few residents typing (about 25/s measured in the benchmark).
RATE = 25.0
# How often a round runs, and how often the progress card is redrawn while it changes.
ROUND_SECONDS = 0.5
CARD_EVERY = timedelta(seconds=5)
# A finished announcement's card changes with reads alone: looked at this often.
FINISHED_EVERY = timedelta(minutes=1)
# How long after its deliveries expired an announcement is still followed (late reports).
FOLLOWED_AFTER_EXPIRY = timedelta(days=1)
# WhatsApp templates take a body parameter of at most 1,024 characters.
TEMPLATE_TEXT = 900


class Dispatcher:
    def __init__(
        self,
        services: Services,
        sessions: async_sessionmaker[AsyncSession],
        on_queued: Callable[[], None] = lambda: None,
        *,
        backlog: int = BACKLOG,
        rate: float = RATE,
    ) -> None:
        self._services = services
        self._sessions = sessions
        # Told after messages were queued, so the outbox sends them without waiting.
        self._on_queued = on_queued
        self._backlog = backlog
        self._rate = rate
        # What each announcement's card last showed, and when that was looked at
        # (business clock).
        self._shown: dict[int, tuple[str, dict[str, int], datetime]] = {}
        self._edits = 0

    async def run_once(self) -> int:
        """One round: start what is due, feed the outbox, follow outcomes; return how many
        messages were queued."""
        now = self._services.clock()
        async with self._sessions() as session:
            if not await broadcast.any_work(session, now, now - FOLLOWED_AFTER_EXPIRY):
                return 0
        queued = await self._start_due()
        queued += await self._feed()
        queued += await self._follow()
        if queued:
            self._on_queued()
        return queued

    def _villages(self, announcement: Announcement) -> list[VillageConfig]:
        """Its villages still in the config (the first one's zone dates its card)."""
        found = (self._services.village_by_id(v) for v in announcement.village_ids)
        return [v for v in found if v is not None]

    async def _start_due(self) -> int:
        now = self._services.clock()
        started = 0
        async with self._sessions() as session, session.begin():
            for announcement in await broadcast.due(session, now):
                villages = self._villages(announcement)
                if not villages:
                    continue
                # Biasa waits for morning; Penting and Darurat go at once.
                if goes_at(villages, announcement.kind, now) is not None:
                    continue
                if await broadcast.start(session, announcement, now):
                    await session.refresh(announcement)
                    await self._card(session, announcement, villages[0], now)
                    started += 1
        return started

    async def _feed(self) -> int:
        """Queue the next deliveries, keeping only a short backlog in the outbox."""
        now = self._services.clock()
        async with self._sessions() as session, session.begin():
            room = self._backlog - await outbox.backlog(session, outbox.EMERGENCY_BROADCAST, now)
            # A Biasa one under way when the village's quiet hours begin rests until morning.
            feeding = [
                a.id
                for a in await broadcast.sending(session)
                if self._resting_until(a, now) is None
            ]
            batch = await broadcast.next_pending(session, feeding, room)
            announcements: dict[int, Announcement | None] = {}
            # Each announcement is written once per village and language, not per resident.
            written: dict[tuple[int, str, str], Outbound] = {}
            messages: dict[int, list[Outbound]] = {}  # by priority
            queued: list[int] = []
            for delivery, locale in batch:
                announcement = announcements.get(delivery.announcement_id)
                if announcement is None:
                    announcement = await session.get(Announcement, delivery.announcement_id)
                    announcements[delivery.announcement_id] = announcement
                village = self._services.village_by_id(delivery.village_id)
                if announcement is None or village is None:
                    continue
                key = (announcement.id, village.code, locale)
                if key not in written:
                    written[key] = self._outbound(announcement, village, locale, now)
                priority = (
                    outbox.EMERGENCY_BROADCAST
                    if announcement.kind == EMERGENCY
                    else outbox.BROADCAST
                )
                messages.setdefault(priority, []).append(
                    replace(
                        written[key],
                        channel=delivery.channel,
                        chat_id=delivery.chat_id,
                        dedupe_key=broadcast.dedupe_key(announcement.id, delivery.citizen_id),
                    )
                )
                queued.append(delivery.id)
            for priority, outbound in messages.items():
                await queue_all(session, outbound, now, priority=priority)
            await broadcast.mark_queued(session, queued, now)
        return len(queued)

    def _outbound(
        self, announcement: Announcement, village: VillageConfig, locale: str, now: datetime
    ) -> Outbound:
        """The announcement as a resident reads it (the chat and key are theirs); outside
        WhatsApp's window, the "announcement" template when one is configured."""
        _ = self._services.translations(locale).gettext
        return Outbound(
            channel="",
            chat_id="",
            reply=resident_message(_, village, announcement, now, locale),
            purpose="announcement",
            values=(
                ("village", village.name),
                ("kind", _(KINDS.get(announcement.kind, KINDS[NORMAL]))),
                ("code", announcement.code),
                ("text", announcement.text[:TEMPLATE_TEXT]),
            ),
            topic=broadcast.topic(announcement.id),
            village=village.code,
        )

    async def _follow(self) -> int:
        """Outcomes into the deliveries; finish what is done; redraw cards that changed."""
        now = self._services.clock()
        cards = 0
        async with self._sessions() as session, session.begin():
            for announcement in await broadcast.followed(session, now - FOLLOWED_AFTER_EXPIRY):
                # Also here, not only when the button was pressed: a message a worker gave
                # back unsent after that press is taken back in the next round.
                await broadcast.halt(session, announcement)
                await broadcast.follow(session, announcement.id)
                await broadcast.expire(session, announcement, now)
                if await broadcast.finish(session, announcement, now):
                    await session.refresh(announcement)
                villages = self._villages(announcement)
                if villages and await self._card(session, announcement, villages[0], now):
                    cards += 1
        return cards

    def _resting_until(self, announcement: Announcement, now: datetime) -> datetime | None:
        """When a Biasa one being sent goes on after the quiet hours it rests in."""
        if announcement.status != broadcast.SENDING:
            return None
        return goes_at(self._villages(announcement), announcement.kind, now)

    def _edit_key(self, now: datetime) -> str:
        """Unique for each edit: the time, and a count for edits within the same moment."""
        self._edits += 1
        return f"{int(now.timestamp() * 1000)}.{self._edits}"

    async def _card(
        self,
        session: AsyncSession,
        announcement: Announcement,
        village: VillageConfig,
        now: datetime,
    ) -> bool:
        """Queue the card (first time) or its edit, when what it shows changed: at once for
        a new status, else looked at every CARD_EVERY (FINISHED_EVERY once done: only reads
        change it then). Counting every round held the loop for milliseconds at 10,000
        residents, twice a second, for a card that changes every few seconds."""
        resting = self._resting_until(announcement, now)
        # A rest for the quiet hours shows on the card at once, like a new status.
        state = f"{announcement.status}:resting" if resting else announcement.status
        shown = self._shown.get(announcement.id)
        if shown is not None and shown[0] == state:
            every = FINISHED_EVERY if announcement.status == broadcast.DONE else CARD_EVERY
            if now - shown[2] < every:
                return False
        counts = await broadcast.counts(session, announcement.id)
        self._shown[announcement.id] = (state, counts, now)
        if shown is not None and shown[:2] == (state, counts):
            return False
        left = counts.get(broadcast.PENDING, 0) + counts.get(broadcast.QUEUED, 0)
        start = resting or now
        finish = start + timedelta(seconds=left / self._rate) if left else None
        locale = self._services.locales[0]
        _ = self._services.translations(locale).gettext
        first = f"ann-card:{announcement.id}"
        edit = await outbox.state_of(session, first) is not None
        await queue(
            session,
            Outbound(
                channel=self._services.admin_channel,
                chat_id=announcement.admin_chat_id,
                reply=progress_card(_, village, announcement, counts, finish, locale, resting),
                dedupe_key=f"{first}:{self._edit_key(now)}" if edit else first,
                replaces_key=first if edit else None,
            ),
            now,
        )
        return True
