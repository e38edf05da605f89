"""Replies into Telegram messages: HTML-escaped text and keyboards."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import MessageLimit, ParseMode

from flows.engine.types import Expect, Media, MediaKind, Reply
from handlers.telegram.limiter import ANNOUNCEMENT
from handlers.telegram.media import TelegramFiles
from handlers.telegram.parse import file_id_of

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def chunks(text: str) -> list[str]:
    """Escaped HTML in pieces Telegram accepts (4096 characters each)."""
    limit = MessageLimit.MAX_TEXT_LENGTH
    escaped = html.escape(text, quote=False)
    pieces = []
    while len(escaped) > limit:
        cut = escaped.rfind("\n", 0, limit)
        cut = cut if cut > 0 else escaped.rfind(" ", 0, limit)
        cut = cut if cut > 0 else limit
        # Never cut inside an entity such as &amp;.
        amp = escaped.rfind("&", cut - 8, cut)
        if amp != -1 and ";" not in escaped[amp:cut]:
            cut = amp
        pieces.append(escaped[:cut])
        escaped = escaped[cut:].lstrip("\n")
    pieces.append(escaped)
    return pieces


def markup(reply: Reply) -> Markup | None:
    if reply.expects in (Expect.CONTACT, Expect.LOCATION) and reply.share_label:
        # Sharing a contact or a location needs a reply keyboard; the step's own buttons
        # become words the person taps, which arrive as typed text.
        extra = [KeyboardButton(b.label) for row in reply.buttons for b in row]
        share = KeyboardButton(
            reply.share_label,
            request_contact=reply.expects is Expect.CONTACT,
            request_location=reply.expects is Expect.LOCATION,
        )
        keyboard = [[share], extra]
        return ReplyKeyboardMarkup(keyboard, resize_keyboard=True, one_time_keyboard=True)
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row:
            if len(button.value.encode()) > 64:
                log.error("callback data over 64 bytes dropped: %s", button.value[:20])
                continue
            buttons.append(InlineKeyboardButton(button.label, callback_data=button.value))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows)


def send_kwargs(reply: Reply) -> list[dict[str, Any]]:
    """Keyword arguments for one or more sendMessage calls; the keyboard on the last."""
    pieces = chunks(reply.text)
    calls: list[dict[str, Any]] = [
        {"text": piece, "parse_mode": ParseMode.HTML} for piece in pieces
    ]
    keyboard = markup(reply)
    if keyboard is not None:
        calls[-1]["reply_markup"] = keyboard
    return calls


async def deliver(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
    keyboard: Markup | None = None,
    files: TelegramFiles | None = None,
    paid_broadcast: bool = False,
    announcement: bool = False,
) -> Message:
    """Send a reply: its media first (photos as an album), then the text with its keyboard.

    With `files`, media store references are sent by their cached file_id or uploaded;
    without, every reference is taken for a Telegram file_id. `paid_broadcast`: outside
    the 30/s limit, for Telegram Stars. `announcement`: its calls wait for room among the
    bot's other messages (handlers/telegram/limiter.py)."""
    where: dict[str, Any] = {"message_thread_id": thread_id} if thread_id else {}
    if paid_broadcast:
        where["allow_paid_broadcast"] = True
    elif announcement:
        where["rate_limit_args"] = ANNOUNCEMENT
    if reply_to:
        where["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    sendable: list[tuple[Media, str | InputFile, int | None]] = []
    for media in reply.media:
        if media.kind is MediaKind.LOCATION or files is None:
            sendable.append((media, media.ref, None))
            continue
        found = await files.sendable(media.ref)
        if found is None:
            log.warning("a stored %s is gone and was left out of a message", media.kind)
            continue
        sendable.append((media, *found))
    if (announcement or paid_broadcast) and len(sendable) == 1:
        one = await _captioned(bot, chat_id, reply, sendable[0], keyboard, files, where)
        if one is not None:
            return one
    # Captions are plain text (no parse mode): a seller's "<b>" stays as typed.
    photos = [(m, value, learn) for m, value, learn in sendable if m.kind is MediaKind.PHOTO]
    sent: list[tuple[Message, int | None]] = []
    if len(photos) > 1:
        album = [
            InputMediaPhoto(_attached(value), caption=m.caption or None) for m, value, _l in photos
        ]
        sent += [
            (message, learn)
            for message, (_m, _v, learn) in zip(
                await bot.send_media_group(chat_id, album, **where), photos, strict=False
            )
        ]
    elif photos:
        media, value, learn = photos[0]
        photo = await bot.send_photo(chat_id, value, caption=media.caption or None, **where)
        sent.append((photo, learn))
    for media, value, learn in sendable:
        if media.kind is MediaKind.VOICE:
            sent.append((await bot.send_voice(chat_id, value, **where), learn))
        elif media.kind is MediaKind.DOCUMENT:
            sent.append((await bot.send_document(chat_id, value, **where), learn))
        elif media.kind is MediaKind.LOCATION:
            latitude, _sep, longitude = media.ref.partition(",")
            await bot.send_location(chat_id, float(latitude), float(longitude), **where)
    for media_message, learn in sent:
        await _learn_file_id(files, learn, media_message)
    calls = send_kwargs(reply)
    if keyboard is not None:
        calls[-1]["reply_markup"] = keyboard
    message = None
    for kwargs in calls:
        message = await bot.send_message(chat_id=chat_id, **kwargs, **where)
    assert message is not None  # noqa: S101 (send_kwargs always gives at least one call)
    return message


async def _captioned(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    item: tuple[Media, str | InputFile, int | None],
    keyboard: Markup | None,
    files: TelegramFiles | None,
    where: dict[str, Any],
) -> Message | None:
    """An announcement with one photo or file goes as that, its text the caption, in one
    call: sent as two, a retry after the text failed would send the photo twice. None when
    it cannot (a caption holds 1,024 characters): then it goes as two."""
    media, value, learn = item
    # Telegram counts a caption's characters after reading its HTML, in UTF-16 units.
    length = len(reply.text.encode("utf-16-le")) // 2
    if (
        media.kind not in (MediaKind.PHOTO, MediaKind.DOCUMENT)
        or media.caption
        or length > MessageLimit.CAPTION_LENGTH
    ):
        return None
    caption = html.escape(reply.text, quote=False)
    options: dict[str, Any] = {
        "caption": caption,
        "parse_mode": ParseMode.HTML,
        "reply_markup": keyboard if keyboard is not None else markup(reply),
        **where,
    }
    if media.kind is MediaKind.PHOTO:
        message = await bot.send_photo(chat_id, value, **options)
    else:
        message = await bot.send_document(chat_id, value, **options)
    await _learn_file_id(files, learn, message)
    return message


async def _learn_file_id(files: TelegramFiles | None, learn: int | None, sent: Message) -> None:
    """A stored file just uploaded: Telegram's file_id for it, from the answer, is kept
    so that it is never uploaded again."""
    file_id = file_id_of(sent)
    if files is not None and learn is not None and file_id is not None:
        await files.remember(learn, file_id)


def _attached(value: str | InputFile) -> str | InputFile:
    """An upload in an album goes beside the album under a name of its own: unnamed, every
    file of the album would be sent under the same field and only one would arrive."""
    if isinstance(value, InputFile) and value.attach_name is None:
        return InputFile(value.input_file_content, filename=value.filename, attach=True)
    return value


def group_markup(reply: Reply) -> Markup | None:
    """In groups the bot only sees replies to its messages: ask for typed answers that way.

    Not `selective`: the prompt mentions nobody and replies to nothing, so a selective
    ForceReply would reach no one.
    """
    if reply.expects in (Expect.TEXT, Expect.NUMBER, Expect.PHOTO) and not reply.share_label:
        return ForceReply()
    return markup(reply)
