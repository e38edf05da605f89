"""Outbox delivery to WhatsApp: rendered replies posted through the Graph client."""

from __future__ import annotations

from flows.engine.delivery import Pacing
from flows.engine.types import Reply
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.render import Labels, render

# Meta's defaults: 80 messages/s per business number; to one person about one message
# every 6 seconds beyond a short burst (error 131056 past it).
WHATSAPP_PACING = Pacing(overall=1 / 80, private=6.0, group=6.0, burst=3)


class WhatsAppSender:
    pacing = WHATSAPP_PACING

    def __init__(self, graph: GraphClient, labels: Labels) -> None:
        self._graph = graph
        self._labels = labels

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
    ) -> str | None:
        last = None
        for message in render(reply, self._labels):
            if reply_to:
                # Shown quoting the earlier message, as a Telegram reply is.
                message = {**message, "context": {"message_id": reply_to}}
            last = await self._graph.send(chat_id, message)
        return last

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        """WhatsApp cannot edit a sent message: the new state arrives as a new one."""
        return await self.send(chat_id, reply)
