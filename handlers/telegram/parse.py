"""Telegram updates into channel-neutral Incoming messages."""

from __future__ import annotations

from telegram import Chat, Message, Update, User

from flows.engine.types import ChatKind, Contact, Incoming, Kind, Location

CHANNEL = "telegram"


def incoming_from(update: Update) -> Incoming | None:
    """The Incoming for an update, or None for updates Balai does not act on.

    Its message_id is the update's id: Telegram sends an update again when a webhook did
    not answer in time, and another worker may be handed it too; it is handled once.
    """
    update_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        if query.message is None or query.data is None:
            return None
        return Incoming(
            channel=CHANNEL,
            sender=str(query.from_user.id),
            chat=str(query.message.chat.id),
            kind=Kind.CHOICE,
            sender_name=_name(query.from_user),
            chat_kind=_chat_kind(query.message.chat),
            choice=query.data,
            message_id=update_id,
        )
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    kind, text, command = _content(message)
    contact = None
    if message.contact is not None:
        contact = Contact(
            phone=message.contact.phone_number,
            is_senders_own=message.contact.user_id == message.from_user.id,
        )
    location = None
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
    return Incoming(
        channel=CHANNEL,
        sender=str(message.from_user.id),
        chat=str(message.chat.id),
        kind=kind,
        sender_name=_name(message.from_user),
        chat_kind=_chat_kind(message.chat),
        text=text,
        command=command,
        contact=contact,
        location=location,
        media_id=file_id_of(message),
        edited=update.edited_message is not None,
        reply_to=str(message.reply_to_message.message_id) if message.reply_to_message else None,
        message_id=update_id,
    )


def _content(message: Message) -> tuple[Kind, str, str]:
    text = message.text or ""
    if text.startswith("/"):
        word = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
        # "/bantuan@balai_bot" in groups: the command is the part before "@".
        return Kind.COMMAND, text, word.partition("@")[0].lower()
    if text:
        return Kind.TEXT, text, ""
    if message.contact is not None:
        return Kind.CONTACT, "", ""
    if message.location is not None:
        return Kind.LOCATION, "", ""
    if message.photo:
        return Kind.PHOTO, message.caption or "", ""
    if message.voice is not None or message.audio is not None:
        return Kind.VOICE, "", ""
    if message.document is not None:
        return Kind.DOCUMENT, message.caption or "", ""
    if message.sticker is not None:
        return Kind.STICKER, "", ""
    return Kind.OTHER, "", ""


def file_id_of(message: Message) -> str | None:
    """The file_id of the photo (largest size), voice note, audio or document a message holds."""
    if message.photo:
        return message.photo[-1].file_id
    for media in (message.voice, message.audio, message.document):
        if media is not None:
            return media.file_id
    return None


def _chat_kind(chat: Chat) -> ChatKind:
    return ChatKind.PRIVATE if chat.type == Chat.PRIVATE else ChatKind.GROUP


def _name(user: User) -> str:
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))
