"""The simulator's chats: transcripts in memory, fed by direct replies and the outbox."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flows.engine.types import MediaKind, Reply

CHANNEL = "simulator"
_MEDIA_SYMBOLS = {
    MediaKind.PHOTO: "📷",
    MediaKind.VOICE: "🎤",
    MediaKind.DOCUMENT: "📄",
    MediaKind.LOCATION: "📍",
}


@dataclass(frozen=True)
class Persona:
    id: str
    # A person's name, shown as it is; with `describes` an N_() msgid describing the
    # persona instead (e.g. a guest who is no official), shown in the page's language.
    name: str
    phone: str
    official: bool = False
    describes: bool = False
    # An official's role in the village (from the config's contacts) and the admin chat of
    # the village whose officials' group they are in.
    role: str = ""
    admin_chat: str | None = None

    def shown_name(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.name) if self.describes else self.name


@dataclass
class ChatLine:
    id: int
    sender: str  # "bot" or a persona id
    text: str
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    share_label: str | None = None
    edited: bool = False
    expects: str = "nothing"
    # The ids this line had before its edits (an edited card), so an open page swaps in
    # place whichever of them it shows, even when several edits came between two polls.
    replaces: tuple[int, ...] = ()
    # On the simulated WhatsApp phone: the Graph API message object the WhatsApp
    # renderer produced, which the page draws as WhatsApp would.
    whatsapp: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sender": self.sender,
            "text": self.text,
            "buttons": self.buttons,
            "share_label": self.share_label,
            "edited": self.edited,
            "expects": self.expects,
            "replaces": list(self.replaces),
            "whatsapp": self.whatsapp,
        }


class Hub:
    """Holds every simulated chat; also the outbox's sender for the simulator channel."""

    def __init__(self) -> None:
        # Names this hub's message ids: after a restart they start again from 1, and a page
        # still open from before must fetch its chats whole.
        self.boot = secrets.token_hex(8)
        self._chats: dict[str, list[ChatLine]] = {}
        self._ids = itertools.count(1)
        # An edited line gets a new id; an outbox edit may still name the first one.
        self._renamed: dict[int, int] = {}

    def lines(self, chat_id: str, after: int = 0) -> list[ChatLine]:
        return [line for line in self._chats.get(chat_id, []) if line.id > after]

    def said(self, chat_id: str, sender: str, text: str) -> ChatLine:
        line = ChatLine(next(self._ids), sender, text)
        self._chats.setdefault(chat_id, []).append(line)
        return line

    def whatsapp_message(self, chat_id: str, message: dict[str, Any]) -> ChatLine:
        """A message as WhatsApp would deliver it; its text is what the bubble reads."""
        line = ChatLine(next(self._ids), "bot", _whatsapp_text(message), whatsapp=message)
        self._chats.setdefault(chat_id, []).append(line)
        return line

    def bot_reply(self, chat_id: str, reply: Reply, origin: int | None = None) -> ChatLine:
        buttons = [[{"label": b.label, "value": b.value} for b in row] for row in reply.buttons]
        # The page shows media as a symbol line: the files themselves live on Telegram.
        media = "".join(f"{_MEDIA_SYMBOLS[m.kind]} " for m in reply.media)
        text = f"{media.strip()}\n{reply.text}" if media else reply.text
        while origin in self._renamed:
            origin = self._renamed[origin]
        if reply.replace_origin and origin is not None:
            for index, line in enumerate(self._chats.get(chat_id, [])):
                if line.id == origin and line.sender == "bot":
                    # A new id makes pollers pick the edit up; the position stays.
                    edited = ChatLine(
                        next(self._ids),
                        "bot",
                        text,
                        buttons,
                        None,
                        True,
                        replaces=(*line.replaces, line.id),
                    )
                    self._chats[chat_id][index] = edited
                    self._renamed[line.id] = edited.id
                    return edited
        line = ChatLine(
            next(self._ids), "bot", text, buttons, reply.share_label, expects=reply.expects.value
        )
        self._chats.setdefault(chat_id, []).append(line)
        return line

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
        village: str | None = None,
    ) -> str | None:
        return str(self.bot_reply(chat_id, reply).id)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        origin = int(message_id) if message_id.isdigit() else None
        return str(self.bot_reply(chat_id, replace(reply, replace_origin=True), origin).id)


def _whatsapp_text(message: dict[str, Any]) -> str:
    kind = message.get("type", "")
    if kind == "text":
        return str(message["text"]["body"])
    if kind == "interactive":
        return str(message["interactive"]["body"]["text"])
    return ""
