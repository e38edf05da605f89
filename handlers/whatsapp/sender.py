"""Outbox delivery to WhatsApp: rendered replies posted through the Graph client."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows.engine.delivery import HeldUntilWritten, Pacing
from flows.engine.types import Reply
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.render import Labels, render
from handlers.whatsapp.templates import Template, template_message

# Meta's defaults: 80 messages/s per business number; to one person about one message
# every 6 seconds beyond a short burst (error 131056 past it).
WHATSAPP_PACING = Pacing(overall=1 / 80, private=6.0, group=6.0, burst=3)
# A business may write freely only this long after the person last wrote.
WINDOW = timedelta(hours=24)


class WhatsAppSender:
    pacing = WHATSAPP_PACING
    window = WINDOW

    def __init__(
        self,
        graph: GraphClient,
        labels: Labels,
        templates: Mapping[str, Template] | None = None,
        village_numbers: Mapping[str, str] | None = None,
    ) -> None:
        self._graph = graph
        self._labels = labels
        # Notification purpose ("case_status") -> the approved template that says it.
        self._templates = dict(templates or {})
        # Village code -> its own phone number id; other villages use the deployment's.
        self._numbers = dict(village_numbers or {})

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
        village: str | None = None,
    ) -> str | None:
        return await self._send(chat_id, reply, reply_to=reply_to, village=village)

    async def send_broadcast(
        self, chat_id: str, reply: Reply, *, village: str | None = None
    ) -> str | None:
        """An announcement: its photo or file and text as one message where they fit, so
        a retry after a failed second message never sends the photo twice."""
        return await self._send(chat_id, reply, village=village, one_message=True)

    async def _send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        village: str | None = None,
        one_message: bool = False,
    ) -> str | None:
        number = self._numbers.get(village or "")
        last = None
        for message in render(reply, self._labels, one_message=one_message):
            if reply_to:
                # Shown quoting the earlier message, as a Telegram reply is.
                message = {**message, "context": {"message_id": reply_to}}
            last = await self._graph.send(chat_id, message, number=number)
        return last

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        """WhatsApp cannot edit a sent message: the new state arrives as a new one."""
        return await self.send(chat_id, reply)

    async def send_held(
        self,
        chat_id: str,
        purpose: str | None,
        values: Mapping[str, Any],
        *,
        village: str | None = None,
    ) -> str | None:
        """Outside the window: the template configured for the notification's purpose.
        Without one the message has to wait for the person to write (HeldUntilWritten)."""
        template = self._templates.get(purpose or "")
        if template is None:
            raise HeldUntilWritten(f"no template for {purpose or 'this message'}")
        number = self._numbers.get(village or "")
        return await self._graph.send(chat_id, template_message(template, values), number=number)
