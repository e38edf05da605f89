"""The simulator's web server: one page, a small JSON API, the same runner as Telegram."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from typing import Any

from aiohttp import web

from flows.common.text import N_
from flows.common.villages import Villages
from flows.engine.runner import Runner
from flows.engine.types import ChatKind, Contact, Incoming, Kind, Location
from handlers.simulator.hub import CHANNEL, Hub, Persona
from handlers.simulator.officials import GUEST, officials_of
from handlers.simulator.whatsapp import MORE_PREFIX, WHATSAPP, WhatsAppPhone, whatsapp_chat
from handlers.whatsapp.render import labels_from

VILLAGERS = (
    Persona("warga-1", "Siti Aminah", "081234567890"),
    Persona("warga-2", "Budi Santoso", "085711112222"),
    Persona("warga-3", "Rina Wulandari", "087733334444"),
)
_MAX_TEXT = 10_000
# Where the simulated phone says it is when asked to share its location.
DEMO_LOCATION = (-5.2019, 105.6089)
_media_ids = itertools.count(1)
# What the page's media buttons send, and how the sender's bubble shows it.
_MEDIA = (
    (Kind.PHOTO, "📷", N_("Photo")),
    (Kind.VOICE, "🎤", N_("Voice note")),
    (Kind.DOCUMENT, "📎", N_("File")),
)
_LOCATION = N_("Location")
_STATIC = ("index.html", "app.js", "app.css")


def simulator_app(
    runner: Runner,
    hub: Hub,
    villages: Villages,
    gettext: Callable[[str], str],
    whatsapp: WhatsAppPhone | None = None,
) -> web.Application:
    officials = (*officials_of(villages), GUEST)
    personas = {p.id: p for p in (*VILLAGERS, *officials)}
    phone = whatsapp or WhatsAppPhone(hub, labels_from(gettext))
    admin_chats = {v.admin_chat_id for v in villages}

    async def page(request: web.Request) -> web.Response:
        name = request.match_info.get("name") or "index.html"
        if name not in _STATIC:
            raise web.HTTPNotFound()
        body = resources.files("handlers.simulator").joinpath("static", name).read_bytes()
        kind = {"html": "text/html", "js": "text/javascript", "css": "text/css"}[
            name.rsplit(".")[-1]
        ]
        return web.Response(body=body, content_type=kind, charset="utf-8")

    async def state(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "villagers": [
                    {**_persona(p, gettext), "whatsapp_chat": whatsapp_chat(p)} for p in VILLAGERS
                ],
                # The resident's phone draws Balai's replies as either app would.
                "apps": [
                    {"id": "telegram", "name": "Telegram"},
                    {"id": WHATSAPP, "name": "WhatsApp"},
                ],
                "officials": [_persona(p, gettext) for p in officials],
                "villages": [{"name": v.name, "admin_chat": v.admin_chat_id} for v in villages],
                "labels": _labels(gettext),
            }
        )

    async def messages(request: web.Request) -> web.Response:
        chat = request.query.get("chat", "")
        after = request.query.get("after", "0")
        # Ids from before a restart (another boot) mean nothing now: the whole chat.
        fresh = request.query.get("boot", hub.boot) != hub.boot
        lines = hub.lines(chat, 0 if fresh or not after.isdigit() else int(after))
        return web.json_response({"boot": hub.boot, "messages": [line.as_json() for line in lines]})

    async def send(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise web.HTTPBadRequest(text="JSON expected") from None
        persona = personas.get(str(body.get("persona", "")))
        chat = str(body.get("chat", ""))
        if body.get("app") == WHATSAPP:
            return await send_whatsapp(persona, chat, body)
        if persona is None or (chat != persona.id and chat not in admin_chats):
            raise web.HTTPBadRequest(text="unknown persona or chat")
        incoming, shown = _incoming(persona, persona.shown_name(gettext), chat, body, gettext)
        hub.said(chat, persona.id, shown)
        origin = body.get("origin")
        for reply in await runner.handle(incoming):
            hub.bot_reply(chat, reply, origin if isinstance(origin, int) else None)
        return web.json_response({"ok": True})

    async def send_whatsapp(
        persona: Persona | None, chat: str, body: dict[str, Any]
    ) -> web.Response:
        """A resident writing from WhatsApp: their own identity there, as Meta names it."""
        if persona is None or persona.official or chat != whatsapp_chat(persona):
            raise web.HTTPBadRequest(text="unknown persona or chat")
        if body.get("contact"):
            raise web.HTTPBadRequest(text="WhatsApp has no share-contact button")
        incoming, shown = _incoming(persona, persona.shown_name(gettext), chat, body, gettext)
        incoming = replace(incoming, channel=WHATSAPP, sender=chat, chat_kind=ChatKind.PRIVATE)
        hub.said(chat, persona.id, shown)
        if incoming.kind is Kind.CHOICE and incoming.choice.startswith(MORE_PREFIX):
            # A "Lainnya" row: the next page of the question the resident is at, as the
            # WhatsApp channel does it.
            suffix = incoming.choice.removeprefix(MORE_PREFIX)
            page = int(suffix) if suffix.isdigit() else 0
            replies = await runner.again(incoming)
        else:
            page = 0
            replies = await runner.handle(incoming)
        for reply in replies:
            phone.reply(chat, reply, page)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=256 * 1024)
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", page)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/send", send)
    return app


def _persona(persona: Persona, gettext: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": persona.id,
        "name": persona.shown_name(gettext),
        "role": persona.role,
        "official": persona.official,
        # The admin chat of the village whose officials' group this persona is in.
        "village": persona.admin_chat,
    }


def _incoming(
    persona: Persona,
    name: str,
    chat: str,
    body: dict[str, Any],
    gettext: Callable[[str], str],
) -> tuple[Incoming, str]:
    """The Incoming for what the page sent (from `name`), and how the chat shows it: a word
    beside each symbol, since a browser without an emoji font shows the symbol as a box."""
    chat_kind = ChatKind.PRIVATE if chat == persona.id else ChatKind.GROUP
    base = Incoming(CHANNEL, persona.id, chat, Kind.TEXT, name, chat_kind)
    if "choice" in body:
        label = str(body.get("label", ""))[:100]
        return replace(base, kind=Kind.CHOICE, choice=str(body["choice"])[:64]), label
    if body.get("location"):
        location = Location(*DEMO_LOCATION)
        return replace(base, kind=Kind.LOCATION, location=location), f"📍 {gettext(_LOCATION)}"
    for kind, symbol, word in _MEDIA:
        if body.get(kind.value):
            media_id = f"sim-{kind.value}-{next(_media_ids)}"
            return replace(base, kind=kind, media_id=media_id), f"{symbol} {gettext(word)}"
    if body.get("contact"):
        contact = Contact(phone=persona.phone, is_senders_own=True)
        return replace(base, kind=Kind.CONTACT, contact=contact), f"📱 {persona.phone}"
    text = str(body.get("text", ""))[:_MAX_TEXT]
    if text.startswith("/"):
        command = text[1:].split(maxsplit=1)[0].lower() if len(text) > 1 else ""
        return replace(base, kind=Kind.COMMAND, text=text, command=command), text
    return replace(base, text=text), text


def _labels(_: Callable[[str], str]) -> dict[str, str]:
    # Page text only, no emoji: a browser without an emoji font shows them as empty boxes.
    return {
        "title": _("Balai simulator"),
        "hint": _("Pick a resident, then type /start."),
        "phone-title": _("Resident's phone"),
        "admin-title": _("Village officials' group"),
        "admin-empty": _(
            "Cards for the officials appear here. To answer one of Balai's messages, "
            "just type here."
        ),
        "villager-label": _("Resident:"),
        "village-label": _("Village:"),
        "official-label": _("Sending as:"),
        "phone-send": _("Send"),
        "admin-send": _("Send"),
        "placeholder": _("Type a message…"),
        "photo": _("Photo"),
        "voice": _("Voice note"),
        "document": _("File"),
        "photo-title": _("Sends a sample photo, as if taken with the phone's camera"),
        "voice-title": _("Sends a sample voice note"),
        "document-title": _(
            "Sends a sample PDF file, e.g. a scanned document or the signed letter"
        ),
        "edited": _("(edited)"),
        "app-label": _("App:"),
        # WhatsApp's own button under a location request.
        "send-location": _("Send location"),
        "close": _("Close"),
        "location": _("Location"),
    }
