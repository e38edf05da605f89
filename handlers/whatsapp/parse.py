"""WhatsApp webhook bodies into channel-neutral Incoming messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flows.engine.types import Contact, Incoming, Kind, Location

CHANNEL = "whatsapp"
_MEDIA_KINDS = {
    "image": Kind.PHOTO,
    "document": Kind.DOCUMENT,
    "audio": Kind.VOICE,
    "sticker": Kind.STICKER,
    # Flows take no video yet: a video is answered as anything else they do not take.
    "video": Kind.OTHER,
}
# Not messages from the person to answer: a reaction to one of ours, a number change.
_IGNORED = {"reaction", "system", "ephemeral", "request_welcome"}


@dataclass(frozen=True)
class Received:
    """One message of a webhook, with what ordering and replying need beside it."""

    incoming: Incoming
    # Seconds since the epoch, as WhatsApp stamped it when the person sent it.
    timestamp: int
    # The business number it was sent to (a village may have its own).
    phone_number_id: str
    # The person's phone number, when WhatsApp gave one (a username may hide it).
    phone: str | None
    # The file it carries, still at WhatsApp: the channel downloads it into the store.
    media: WhatsAppMedia | None = None

    @property
    def id(self) -> str:
        """WhatsApp's id of the message (every message taken in has one)."""
        return self.incoming.message_id or ""


@dataclass(frozen=True)
class WhatsAppMedia:
    """A photo, voice note or document as the webhook names it."""

    id: str
    mime_type: str
    file_name: str | None


def received(body: Any) -> list[Received]:
    """Every message of every change of every entry, oldest first; statuses are skipped."""
    found: list[Received] = []
    for value in changed_values(body):
        number = str(_dict(value.get("metadata")).get("phone_number_id", ""))
        contacts = _dicts(value.get("contacts"))
        for message in _dicts(value.get("messages")):
            parsed = _one(message, contacts, number)
            if parsed is not None:
                found.append(parsed)
    # A stable sort: messages stamped in the same second keep the order Meta listed them.
    found.sort(key=lambda r: r.timestamp)
    return found


def _one(message: dict[str, Any], contacts: list[dict[str, Any]], number: str) -> Received | None:
    kind_name = str(message.get("type", ""))
    message_id = message.get("id")
    phone = _text(message.get("from"))
    contact = _contact_of(contacts, phone, _text(message.get("from_user_id")))
    # The business-scoped user id stays when a person hides their number behind a
    # username; the phone number (wa_id) keys people only where no user id is given.
    user_id = _text(message.get("from_user_id")) or _text(contact.get("user_id"))
    phone = phone or _text(contact.get("wa_id"))
    sender = user_id or phone
    if not sender or not isinstance(message_id, str) or kind_name in _IGNORED:
        return None
    try:
        timestamp = int(message.get("timestamp", 0))
    except (TypeError, ValueError):
        timestamp = 0
    profile = contact.get("profile")
    name = _text(profile.get("name")) if isinstance(profile, dict) else ""
    context = message.get("context")
    reply_to = _text(context.get("id")) if isinstance(context, dict) else ""
    fields = _content(message, kind_name)
    incoming = Incoming(
        channel=CHANNEL,
        sender=sender,
        chat=sender,
        sender_name=name or sender,
        reply_to=reply_to or None,
        message_id=message_id,
        sender_phone=phone or None,
        **fields,
    )
    media = _media(message, kind_name, incoming.media_id)
    return Received(incoming, timestamp, number, phone or None, media)


def _media(message: dict[str, Any], kind_name: str, media_id: str | None) -> WhatsAppMedia | None:
    if media_id is None:
        return None
    body = _dict(message.get(kind_name))
    mime = _text(body.get("mime_type")) or "application/octet-stream"
    return WhatsAppMedia(media_id, mime, _text(body.get("filename")) or None)


def _content(message: dict[str, Any], kind_name: str) -> dict[str, Any]:
    """The kind of an Incoming and what it carries."""
    if message.get("errors") or kind_name == "unsupported":
        return {"kind": Kind.OTHER}
    body = _dict(message.get(kind_name))
    if kind_name == "text":
        text = _text(body.get("body"))
        if text.startswith("/"):
            word = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
            return {"kind": Kind.COMMAND, "text": text, "command": word.lower()}
        return {"kind": Kind.TEXT, "text": text}
    if kind_name == "interactive":
        reply = body.get(_text(body.get("type")))
        if isinstance(reply, dict) and _text(reply.get("id")):
            return {"kind": Kind.CHOICE, "choice": _text(reply.get("id"))}
        return {"kind": Kind.OTHER}
    if kind_name == "button":  # a template's quick-reply button
        payload = _text(body.get("payload"))
        return {"kind": Kind.CHOICE, "choice": payload} if payload else {"kind": Kind.OTHER}
    if kind_name == "location":
        try:
            where = Location(float(body["latitude"]), float(body["longitude"]))
        except (KeyError, TypeError, ValueError):
            return {"kind": Kind.OTHER}
        return {"kind": Kind.LOCATION, "location": where}
    if kind_name == "contacts":
        cards = message.get("contacts")
        first = cards[0] if isinstance(cards, list) and cards and isinstance(cards[0], dict) else {}
        phones = _dicts(first.get("phones"))
        phone = _text(phones[0].get("phone")) if phones else ""
        if not phone:
            return {"kind": Kind.OTHER}
        # A shared card is someone's number, not proof that it is the sender's own.
        return {"kind": Kind.CONTACT, "contact": Contact(phone, is_senders_own=False)}
    kind = _MEDIA_KINDS.get(kind_name)
    if kind is None:
        return {"kind": Kind.OTHER}
    media = _text(body.get("id"))
    return {
        "kind": kind,
        "text": _text(body.get("caption")),
        # WhatsApp's own id until the channel has stored the file (stickers are not kept).
        "media_id": media if media and kind not in (Kind.OTHER, Kind.STICKER) else None,
    }


def _contact_of(contacts: list[dict[str, Any]], phone: str, user_id: str) -> dict[str, Any]:
    for contact in contacts:
        if (phone and contact.get("wa_id") == phone) or (
            user_id and contact.get("user_id") == user_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def changed_values(body: Any) -> Iterator[dict[str, Any]]:
    """The `value` of every "messages" change of every entry of a webhook body."""
    if not isinstance(body, dict):
        return
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field", "messages") == "messages" and isinstance(value, dict):
                yield value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
