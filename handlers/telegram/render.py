"""Replies into Telegram messages: HTML-escaped text and keyboards."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit, ParseMode

from flows.types import Expect, Reply

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


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
    if reply.expects is Expect.CONTACT and reply.share_label:
        # Sharing a contact needs a reply keyboard; the step's own buttons become typed words.
        extra = [KeyboardButton(b.label) for row in reply.buttons for b in row]
        keyboard = [[KeyboardButton(reply.share_label, request_contact=True)], extra]
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
