"""What a chat app reports later of a message it took (WhatsApp's statuses): delivered,
read, or failed after all. A failure counts as a send error would: the person is
unreachable, or the message goes back to wait for them to write."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.engine.delivery import (
    DeliveryError,
    DeliveryReport,
    HeldUntilWritten,
    RecipientUnreachable,
)
from storage import broadcast, inbound, outbox, people

log = logging.getLogger(__name__)

# Told the topic ("case:12") of a message that began or stopped waiting for its reader.
OnHeld = Callable[[str], Awaitable[None]]


class ReportRecorder:
    """Records each report on the outbox message it is about, and what follows from it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        tell_held: OnHeld,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tell_held = tell_held

    async def record(self, channel: str, reports: list[DeliveryReport]) -> None:
        """Record what the app reported about sent messages, each on its own (one that
        cannot be recorded does not keep the others from it)."""
        for report in reports:
            try:
                await self._record(channel, report)
            except Exception:
                log.exception("recording a delivery status failed")

    async def _record(self, channel: str, report: DeliveryReport) -> None:
        held = False
        async with self._sessions() as session, session.begin():
            found = await outbox.record_delivery(
                session, channel, report.external_id, report.state, report.at
            )
            if found is None or report.state not in ("read", "failed"):
                return
            chat_id, key, message_id, topic = found
            if report.state == "failed":
                held = await self._failed(session, channel, chat_id, message_id, report.failure)
            # An announcement's delivery counts it on the progress card.
            await broadcast.follow_report(session, key)
        if held and topic:
            await self._tell_held(topic)

    async def _failed(
        self,
        session: AsyncSession,
        channel: str,
        chat_id: str,
        message_id: int,
        failure: type[DeliveryError] | None,
    ) -> bool:
        """A sent message the app then failed to deliver; returns whether it now waits
        for the person to write."""
        if failure is HeldUntilWritten:
            # Sent as an ordinary message to someone whose window had closed.
            await outbox.hold(session, message_id, None)
            await inbound.forget(session, channel, chat_id)
            return True
        if failure is RecipientUnreachable:
            await outbox.fail_sent(session, message_id, "recipient unreachable")
            await people.mark_unreachable(session, channel, chat_id, self._clock())
        else:
            name = failure.__name__ if failure else "failure"
            await outbox.fail_sent(session, message_id, f"reported failed ({name})")
        return False
