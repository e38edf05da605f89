"""Channel-neutral messages: what arrives from a person and what Balai answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a person sent."""

    TEXT = "text"
    COMMAND = "command"
    CHOICE = "choice"
    CONTACT = "contact"
    LOCATION = "location"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    STICKER = "sticker"
    OTHER = "other"


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class Expect(StrEnum):
    """The input a reply asks for next; channels pick keyboards from it."""

    NOTHING = "nothing"
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    PHOTO = "photo"
    VOICE = "voice"
    LOCATION = "location"
    CONTACT = "contact"


@dataclass(frozen=True)
class Contact:
    phone: str
    # Telegram tells whether a shared contact is the sender's own number.
    is_senders_own: bool


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Incoming:
    """One message or button press, parsed from any channel."""

    channel: str
    sender: str
    chat: str
    kind: Kind
    sender_name: str = ""
    chat_kind: ChatKind = ChatKind.PRIVATE
    text: str = ""
    command: str = ""
    choice: str = ""
    contact: Contact | None = None
    location: Location | None = None
    media_id: str | None = None
    edited: bool = False


@dataclass(frozen=True)
class Button:
    """A choice the person can tap; `value` travels back as Incoming.choice (<= 64 bytes)."""

    label: str
    value: str


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """Something Balai says: text, buttons, and what it expects next."""

    text: str
    buttons: ButtonRows = ()
    expects: Expect = Expect.NOTHING
    # Label for the channel's own share button when a contact or location is expected.
    share_label: str | None = None
    # Replace the message whose button was pressed instead of sending a new one.
    replace_origin: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[[b.label, b.value] for b in row] for row in self.buttons],
            "expects": self.expects.value,
            "share_label": self.share_label,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        rows = tuple(
            tuple(Button(label, value) for label, value in row) for row in payload["buttons"]
        )
        return cls(
            text=payload["text"],
            buttons=rows,
            expects=Expect(payload["expects"]),
            share_label=payload.get("share_label"),
        )


@dataclass(frozen=True)
class Outbound:
    """A message for a chat other than the one being answered (goes through the outbox)."""

    channel: str
    chat_id: str
    reply: Reply
    dedupe_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rows(*buttons: Button, per_row: int = 1) -> ButtonRows:
    """Lay buttons out `per_row` to a row (BAHASA.md: at most 3 on a phone screen)."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
