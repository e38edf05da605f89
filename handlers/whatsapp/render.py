"""Replies into Graph API message objects, within WhatsApp's documented limits.

At most 3 choices become reply buttons; 4 to 10 a list; more a list whose last row
pages on ("Lainnya"), the navigation rows (Kembali, Batal, Menu) kept on every page.
Labels too long are shortened at a word, never rejected by Meta.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.common.text import fit_label
from flows.engine.form_flow import NAV_BACK, NAV_CANCEL, NAV_RESUME
from flows.engine.types import Button, Expect, MediaKind, Reply
from storage.media import media_id_of

TEXT_MAX = 4096
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_BODY_MAX = 1024
CAPTION_MAX = 1024
LIST_BODY_MAX = 4096
LIST_BUTTON_MAX = 20
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BUTTON_ID_MAX = 256
ROW_ID_MAX = 200
# A "Lainnya" row carries the page it opens; the channel asks the runner for the choices.
MORE_PREFIX = "wa:more:"
_MENU = "menu:menu"
_EMOJI_PREFIX = re.compile(r"^[^\w(\"']+\s*")
_MEDIA_TYPES = {MediaKind.PHOTO: "image", MediaKind.VOICE: "audio", MediaKind.DOCUMENT: "document"}

Message = dict[str, Any]


@dataclass(frozen=True)
class Labels:
    """The renderer's own words, translated by the channel."""

    more: str = "Lainnya"
    choose: str = "Pilih"
    or_choose: str = "Atau pilih:"
    type_number: str = "📱 Di WhatsApp, ketik nomor HP Anda, misalnya 0812 3456 7890."


def labels_from(gettext: Callable[[str], str]) -> Labels:
    return Labels(
        more=gettext("More"),
        choose=gettext("Choose"),
        or_choose=gettext("Or choose:"),
        type_number=gettext("📱 On WhatsApp, type your mobile number, e.g. 0812 3456 7890."),
    )


def render(
    reply: Reply, labels: Labels = Labels(), page: int = 0, *, one_message: bool = False
) -> list[Message]:
    """The messages for one reply, in order: media, text, then its buttons or list. With
    `one_message`, a photo or file and its text (and up to three buttons) go as one."""
    single = _media_with_text(reply) if one_message else None
    if single is not None:
        return [single]
    messages = _media(reply)
    text = reply.text
    buttons = [b for row in reply.buttons for b in row]
    if reply.expects is Expect.CONTACT and reply.share_label:
        # WhatsApp has no share-contact button: the number is typed.
        text = f"{text}\n\n{labels.type_number}"
    if reply.expects is Expect.LOCATION and reply.share_label:
        messages += _location_request(text, buttons, labels)
        return messages
    if not buttons:
        return messages + [_text(piece) for piece in split_text(text)]
    few = len(buttons) <= BUTTONS_MAX
    limit = BUTTON_BODY_MAX if few else LIST_BODY_MAX
    if len(text) > limit:
        # Too long for an interactive message: the text alone first, the choices after.
        messages += [_text(piece) for piece in split_text(text)]
        text = labels.choose + ":"
    if not text.strip():
        text = labels.choose + ":"
    messages.append(_buttons(text, buttons) if few else _list(text, buttons, labels, page))
    return messages


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, a line or a word."""
    pieces = []
    rest = text
    while len(rest) > limit:
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = rest.rfind(separator, 0, limit)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit  # one word longer than a message: nothing better to do
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [p for p in pieces if p] or [""]


def fit(label: str, limit: int) -> str:
    """`label` in at most `limit` characters: its emoji prefix dropped first, then cut at
    a word (fit_label)."""
    if len(label) <= limit:
        return label
    bare = _EMOJI_PREFIX.sub("", label) or label
    return fit_label(bare, limit)


def _unique(labels: list[str], limit: int) -> list[str]:
    """Fitted labels, numbered where shortening made two the same (Meta refuses those)."""
    fitted = [fit(label, limit) for label in labels]
    seen: set[str] = set()
    result = []
    for label in fitted:
        candidate, n = label, 2
        while candidate in seen:
            suffix = f" {n}"
            candidate = fit(label, limit - len(suffix)) + suffix
            n += 1
        seen.add(candidate)
        result.append(candidate)
    return result


def _text(body: str) -> Message:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _media(reply: Reply) -> list[Message]:
    """Media messages, each naming its file by the store reference; the sending side swaps
    that for WhatsApp's media id (media.py). A Telegram file id from before the media store
    cannot reach WhatsApp and is left out."""
    messages: list[Message] = []
    for media in reply.media:
        if media.kind is MediaKind.LOCATION:
            latitude, _sep, longitude = media.ref.partition(",")
            location = {"latitude": float(latitude), "longitude": float(longitude)}
            messages.append({"type": "location", "location": location})
        elif media_id_of(media.ref) is not None:
            kind = _MEDIA_TYPES[media.kind]
            body = {"id": media.ref}
            if media.caption and media.kind is not MediaKind.VOICE:
                body["caption"] = media.caption
            messages.append({"type": kind, kind: body})
    return messages


def _media_with_text(reply: Reply) -> Message | None:
    """One photo or file with the text as its caption, or as the body of reply buttons
    under it as their header; None when the reply is not like that or does not fit."""
    if len(reply.media) != 1 or reply.expects in (Expect.CONTACT, Expect.LOCATION):
        return None
    media = reply.media[0]
    if (
        media.kind not in (MediaKind.PHOTO, MediaKind.DOCUMENT)
        or media.caption
        or media_id_of(media.ref) is None
    ):
        return None
    kind = _MEDIA_TYPES[media.kind]
    buttons = [b for row in reply.buttons for b in row]
    if not buttons:
        if len(reply.text) > CAPTION_MAX:
            return None
        return {"type": kind, kind: {"id": media.ref, "caption": reply.text}}
    if len(buttons) > BUTTONS_MAX or len(reply.text) > BUTTON_BODY_MAX:
        return None
    message = _buttons(reply.text, buttons)
    message["interactive"]["header"] = {"type": kind, kind: {"id": media.ref}}
    return message


def _buttons(body: str, buttons: list[Button]) -> Message:
    usable = [b for b in buttons if len(b.value) <= BUTTON_ID_MAX]
    titles = _unique([b.label for b in usable], BUTTON_TITLE_MAX)
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.value, "title": title}}
                    for b, title in zip(usable, titles, strict=True)
                ]
            },
        },
    }


def is_navigation(button: Button) -> bool:
    value = button.value
    return value in (NAV_CANCEL, NAV_RESUME, _MENU) or value.startswith(NAV_BACK)


def page_count(buttons: list[Button]) -> int:
    """How many list pages `buttons` take."""
    if len(buttons) <= LIST_ROWS_MAX:
        return 1
    nav = [b for b in buttons if is_navigation(b)]
    room = max(LIST_ROWS_MAX - len(nav) - 1, 1)
    choices = len(buttons) - len(nav)
    return -(-choices // room)


def _list(body: str, buttons: list[Button], labels: Labels, page: int) -> Message:
    usable = [b for b in buttons if len(b.value) <= ROW_ID_MAX]
    if len(usable) <= LIST_ROWS_MAX:
        shown = usable
    else:
        nav = [b for b in usable if is_navigation(b)]
        choices = [b for b in usable if not is_navigation(b)]
        room = max(LIST_ROWS_MAX - len(nav) - 1, 1)
        nav = nav[: LIST_ROWS_MAX - room - 1]
        pages = -(-len(choices) // room)
        page = page % pages
        following = (page + 1) % pages
        more = Button(f"➡️ {labels.more} ({following + 1}/{pages})", f"{MORE_PREFIX}{following}")
        shown = [*choices[page * room : (page + 1) * room], more, *nav]
    titles = _unique([b.label for b in shown], ROW_TITLE_MAX)
    rows = []
    for button, title in zip(shown, titles, strict=True):
        row: dict[str, str] = {"id": button.value, "title": title}
        if title != button.label:
            # The whole label where the title had to be shortened.
            row["description"] = fit_label(button.label, ROW_DESCRIPTION_MAX)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": fit(labels.choose, LIST_BUTTON_MAX),
                "sections": [{"rows": rows}],
            },
        },
    }


def _location_request(text: str, buttons: list[Button], labels: Labels) -> list[Message]:
    """WhatsApp's own "send location" button; the step's other choices follow it."""
    messages: list[Message] = []
    if len(text) > BUTTON_BODY_MAX:
        messages += [_text(piece) for piece in split_text(text)]
        text = labels.choose + ":"
    messages.append(
        {
            "type": "interactive",
            "interactive": {
                "type": "location_request_message",
                "body": {"text": text},
                "action": {"name": "send_location"},
            },
        }
    )
    if buttons:
        few = len(buttons) <= BUTTONS_MAX
        body = labels.or_choose
        messages.append(_buttons(body, buttons) if few else _list(body, buttons, labels, 0))
    return messages
