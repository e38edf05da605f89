"""The simulated WhatsApp phone: Balai's replies drawn by the WhatsApp renderer itself."""

from __future__ import annotations

from flows.engine.types import Reply
from handlers.simulator.hub import ChatLine, Hub, Persona
from handlers.whatsapp.parse import CHANNEL as WHATSAPP
from handlers.whatsapp.render import MORE_PREFIX, Labels, render

__all__ = ["MORE_PREFIX", "WHATSAPP", "WhatsAppPhone", "whatsapp_chat"]


def whatsapp_chat(persona: Persona) -> str:
    """The persona's WhatsApp id, as Meta gives it: the number in international form."""
    return "62" + persona.phone.removeprefix("0")


class WhatsAppPhone:
    """Puts replies into the hub's WhatsApp chats, one line per Graph message; also the
    outbox's sender for the whatsapp channel in the demo."""

    def __init__(self, hub: Hub, labels: Labels) -> None:
        self._hub = hub
        self._labels = labels

    def reply(self, chat_id: str, reply: Reply, page: int = 0) -> list[ChatLine]:
        return [self._hub.whatsapp_message(chat_id, m) for m in render(reply, self._labels, page)]

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
        village: str | None = None,
    ) -> str | None:
        lines = self.reply(chat_id, reply)
        return str(lines[-1].id) if lines else None

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        """WhatsApp cannot edit a sent message: the new state arrives as a new one."""
        return await self.send(chat_id, reply)
