"""Channel-neutral messages: what arrives from a person and what Balai answers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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


class MediaProblem(StrEnum):
    """Why a photo, voice note or file someone sent did not reach the media store."""

    TOO_LARGE = "too_large"
    # The chat app would not hand it over (a network failure, an expired file).
    UNAVAILABLE = "unavailable"


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
    # A media store reference ("m:<id>") for a photo, voice note or file.
    media_id: str | None = None
    # Set instead of media_id when the file could not be kept; the step is asked again.
    media_problem: MediaProblem | None = None
    edited: bool = False
    # The channel's id of the message this one replies to (e.g. an official answering a card).
    reply_to: str | None = None
    # The channel's id of this message (WhatsApp's wamid): handled once however often
    # it is delivered. None where the channel never redelivers.
    message_id: str | None = None
    # The village the message was sent to, when the channel knows it (a village's own
    # WhatsApp number): a new person there is not asked which village.
    village: str | None = None
    # The sender's phone number, where the channel keys people by another id.
    sender_phone: str | None = None

    @property
    def lane(self) -> tuple[str, ...]:
        """Whose earlier updates this one must wait for: the private chat's, or in a group
        the same person's (officials in one admin chat do not wait for each other)."""
        if self.chat_kind is ChatKind.GROUP:
            return (self.channel, self.chat, self.sender)
        return (self.channel, self.chat)


@dataclass(frozen=True)
class Button:
    """A choice the person can tap; `value` travels back as Incoming.choice (<= 64 bytes)."""

    label: str
    value: str


ButtonRows = tuple[tuple[Button, ...], ...]


class MediaKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    LOCATION = "location"


@dataclass(frozen=True)
class Media:
    """A photo, voice note, file or map pin sent along with a reply.

    `ref` is a media store reference ("m:<id>"), a channel's own file id stored before the
    media store existed, or "latitude,longitude" for a location.
    """

    kind: MediaKind
    ref: str
    # Plain text under a photo (e.g. which result of a page it belongs to).
    caption: str = ""


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
    # Sent before the text (photos of a report, its voice note, its map pin).
    media: tuple[Media, ...] = ()
    # Shown as a pop-up on the button press it answers, not as a message in the chat
    # (a refusal to someone who may not press there), where the channel can show one.
    alert: bool = False

    def noted(self, note: str) -> Reply:
        """This reply with `note` above it, as one message: a wrong answer, a change or a
        help text and the question that follows never take two messages."""
        if not note:
            return self
        return dataclasses.replace(self, text=f"{note}\n\n{self.text}")

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[[b.label, b.value] for b in row] for row in self.buttons],
            "expects": self.expects.value,
            "share_label": self.share_label,
            "media": [[m.kind.value, m.ref] for m in self.media],
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
            media=tuple(Media(MediaKind(kind), ref) for kind, ref in payload.get("media", [])),
        )


def noted_first(note: str, replies: list[Reply]) -> list[Reply]:
    """`note` above the first of `replies`, as one message."""
    if not replies:
        return [Reply(note)] if note else []
    return [replies[0].noted(note), *replies[1:]]


@dataclass(frozen=True)
class Outbound:
    """A message for a chat other than the one being answered (goes through the outbox)."""

    channel: str
    chat_id: str
    reply: Reply
    dedupe_key: str | None = None
    # Edit the message an earlier outbox entry (by its dedupe key) delivered, if it was.
    replaces_key: str | None = None
    # Send as a reply to that earlier message, so updates stay in the card's thread.
    reply_to_key: str | None = None
    # A forum topic in the admin group, when the village config names one.
    thread_id: int | None = None
    # What kind of notification this is ("case_status", "official_question", "letter_ready",
    # "followup", "verified"), with its key facts as plain values ("code", "status",
    # "village"): a chat app that holds messages until the person writes again may send
    # a pre-approved text built from them instead.
    purpose: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    # What the message is about ("case:12"): that case's card can say it is held.
    topic: str | None = None
    # The village (its code) a message to a resident speaks for: a chat app where a village
    # has a number of its own sends it from there.
    village: str | None = None


def rows(*buttons: Button, per_row: int = 1) -> ButtonRows:
    """Lay buttons out `per_row` to a row (BAHASA.md: at most 3 on a phone screen)."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
