"""Links into the chat for one listing: `/start lapak_<code>` (Telegram's deep link) and the
text "lapak <code>" (WhatsApp's click-to-chat has no /start: it fills in that text).

A code is unique within its village only: the person's own village is looked in first
(or the village whose WhatsApp number they wrote to), then every village, newest first.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flows.engine.context import Ctx
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Button, Expect, Kind, Reply
from flows.market import browse
from flows.market.card import SHOWN
from storage import listings
from storage.models import Listing

# The payload prefix of `/start lapak_<code>`, and the word before the code in a typed link.
PREFIX = "lapak"
# The intent that carries on after registration with the listing the link named.
INTENT = "listing_link"
_TYPED = re.compile(r"(?:^|\s)lapak[\s_:]+(lpk-[0-9a-z]{4,6})(?:$|[\s.,!?])", re.IGNORECASE)
# A prefilled text is short; a long message that mentions a code is about something else.
_TYPED_MAX = 120


def start_payload(code: str) -> str:
    """What follows /start in the listing's Telegram link (letters, digits, _ and - only)."""
    return f"{PREFIX}_{code}"


def telegram_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={start_payload(code)}"


def typed_text(code: str) -> str:
    """The text a WhatsApp click-to-chat link fills in for the listing."""
    return f"{PREFIX} {code}"


def whatsapp_link(number: str, code: str) -> str:
    """Click-to-chat to Balai's number (digits, country code first) with the code filled in."""
    return f"https://wa.me/{number}?text={quote(typed_text(code))}"


def page_path(village_code: str, code: str | None = None) -> str:
    """The public catalogue's path of a village, or of one of its listings."""
    return f"/lapak/{quote(village_code)}" + (f"/{quote(code)}" if code else "")


async def _find(ctx: Ctx, code: str) -> Listing | None:
    ids = ctx.services.village_ids
    own = ctx.citizen.village_id if ctx.citizen is not None else ids.get(ctx.msg.village or "")
    if own is not None:
        found = await listings.with_code(ctx.session, code, SHOWN, own)
        if found:
            return found[0]
    found = await listings.with_code(ctx.session, code, SHOWN)
    return found[0] if found else None


async def open_code(ctx: Ctx, code: str) -> list[Reply]:
    """The listing a link names; someone unregistered registers first, then sees it."""
    listing = await _find(ctx, code.strip()[:16])
    if listing is None:
        home = Button(ctx._("🏠 Main menu"), "menu:menu")
        return [Reply(ctx._("That listing no longer exists."), ((home,),), Expect.CHOICE)]
    if ctx.citizen is None:
        reason = ctx._(
            "To see this listing and reach its seller, please register first; you only do "
            "it once. Then the listing opens here."
        )
        return await register_first(ctx, reason, then=f"{INTENT}:{listing.id}")
    return await browse.open_listing(ctx, listing.id)


async def typed_link(ctx: Ctx) -> list[Reply] | None:
    """ "lapak LPK-7K3Q" (what WhatsApp's link fills in): that listing; None for other text."""
    text = ctx.msg.text if ctx.msg.kind is Kind.TEXT else ""
    found = _TYPED.search(text) if len(text) <= _TYPED_MAX else None
    return await open_code(ctx, found.group(1)) if found else None


async def resume(ctx: Ctx, listing_id: str) -> list[Reply]:
    """After registering: the listing the link named."""
    if listing_id.isascii() and listing_id.isdigit():
        return await browse.open_listing(ctx, int(listing_id))
    return [main_menu(ctx)]


async def menu(ctx: Ctx) -> list[Reply]:
    return [main_menu(ctx)]
