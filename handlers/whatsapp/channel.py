"""The WhatsApp channel: webhook messages through the runner, replies through the Graph API."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from typing import Any

from flows.engine.delivery import (
    DeliveryReport,
    HeldUntilWritten,
    PermanentFailure,
    RecipientUnreachable,
    TransientFailure,
)
from flows.engine.lanes import Lanes
from flows.engine.runner import Runner
from flows.engine.types import Kind, Outbound, Reply
from handlers.acks import Acks
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.media import WhatsAppFiles
from handlers.whatsapp.parse import CHANNEL, Received, received
from handlers.whatsapp.render import MORE_PREFIX, Labels, render
from handlers.whatsapp.statuses import reports

Reports = Callable[[str, list[DeliveryReport]], Coroutine[Any, Any, None]]

log = logging.getLogger(__name__)

# Meta does not promise to deliver one person's messages in order, and two webhooks
# may race. A person's first message waits this long for others that arrive close
# behind it; together they are handled in the order WhatsApp stamped them.
HOLD_SECONDS = 0.5
# Messages waiting in lanes, per message handled at a time.
PENDING_PER_SLOT = 50


class WhatsAppChannel:
    """Receives parsed webhook bodies, runs each message in its sender's lane, replies."""

    def __init__(
        self,
        runner: Runner,
        graph: GraphClient,
        labels: Labels,
        concurrency: int,
        hold_seconds: float = HOLD_SECONDS,
        village_numbers: Mapping[str, str] | None = None,
        files: WhatsAppFiles | None = None,
        on_reports: Reports | None = None,
    ) -> None:
        self._runner = runner
        # Downloads what people send into the media store; None without a store.
        self._files = files
        # Where sent/delivered/read/failed statuses go (the outbox records them); set after
        # the outbox worker is built.
        self.on_reports = on_reports
        # Phone number id -> village code, for villages with a WhatsApp number of their own.
        self._village_numbers = dict(village_numbers or {})
        self._graph = graph
        self._labels = labels
        self._hold_seconds = hold_seconds
        self._lanes = Lanes(concurrency, max_pending=concurrency * PENDING_PER_SLOT)
        self._held: dict[str, list[Received]] = {}
        # Webhook calls waiting for their messages to be handled (handlers/acks.py).
        self.acks = Acks()
        self._tasks: set[asyncio.Task[None]] = set()

    def accept(self, body: object) -> list[str]:
        """Take a verified webhook body; its messages are handled in the background.
        Returns their ids, for `acks` to tell when they have been."""
        messages = received(body)
        statuses = reports(body)
        if statuses and self.on_reports is not None:
            self._background(self.on_reports(CHANNEL, statuses))
        for message in messages:
            self.acks.expect(message.id)
            key = message.incoming.sender
            batch = self._held.get(key)
            if batch is not None:
                batch.append(message)
                continue
            self._held[key] = [message]
            self._background(self._release(key))
        return [message.id for message in messages]

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        # Referenced here so the event loop cannot collect the task.
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every message accepted so far has been handled and answered."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._lanes.join()

    async def _release(self, key: str) -> None:
        await asyncio.sleep(self._hold_seconds)
        batch = sorted(self._held.pop(key, []), key=lambda m: m.timestamp)
        for message in batch:
            await self._lanes.submit(message.incoming.lane, partial(self._answered, message))

    async def _answered(self, message: Received) -> None:
        try:
            await self._process(message)
        finally:
            self.acks.done(message.id)

    async def _process(self, message: Received) -> None:
        """Handle one message, mark it read, and send the replies."""
        if self._files is not None:
            # In the person's lane, before the runner: the step gets the stored file.
            message = await self._files.take_in(self._graph, message, self._runner)
        incoming = message.incoming
        village = self._village_numbers.get(message.phone_number_id)
        if village is not None:
            incoming = dataclasses.replace(incoming, village=village)
        read = asyncio.create_task(self._mark_read(message))
        page = 0
        if incoming.kind is Kind.CHOICE and incoming.choice.startswith(MORE_PREFIX):
            # The next page of a long list: the choices come from the runner again (the
            # question the person is at), never from this process's memory.
            suffix = incoming.choice.removeprefix(MORE_PREFIX)
            page = int(suffix) if suffix.isdigit() else 0
            replies = await self._runner.again(incoming)
        else:
            replies = await self._runner.handle(incoming)
        await self._send(message, replies, page)
        await read

    async def _send(self, message: Received, replies: list[Reply], page: int) -> None:
        chat = message.incoming.chat
        pending = list(replies)
        try:
            while pending:
                for item in render(pending[0], self._labels, page):
                    await self._graph.send(chat, item, number=message.phone_number_id)
                pending.pop(0)
        except (TransientFailure, HeldUntilWritten) as exc:
            # Meta is unreachable or asks us to slow down: the outbox delivers them later.
            log.warning("sending a reply failed (%s); queued for later", exc)
            await self._runner.queue([Outbound(CHANNEL, chat, r) for r in pending])
        except (RecipientUnreachable, PermanentFailure) as exc:
            log.warning("a WhatsApp reply was not delivered: %s", exc)

    async def _mark_read(self, message: Received) -> None:
        if message.incoming.message_id is None:
            return
        try:
            await self._graph.mark_read(message.incoming.message_id, number=message.phone_number_id)
        except (TransientFailure, PermanentFailure, RecipientUnreachable) as exc:
            log.debug("marking as read failed: %s", exc)
