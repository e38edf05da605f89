"""Lapak Desa for buyers: search listings in the own village, page through, open one."""

from __future__ import annotations

from flows.common.text import fit_label
from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Media, MediaKind, Reply, rows
from flows.market.card import RESERVED, SHOWN, price_text
from storage import listing_search, listings, people
from storage.models import Citizen, Listing

PAGE = 5
FOUND_MAX = 50
# Button data: "cari:s:<page>:<query>" must stay within Telegram's 64 bytes.
QUERY_BYTES = 40
_LEADING = frozenset({"/cari", "cari", "beli", "mau", "mencari", "membeli"})


def _query_of(text: str) -> str:
    words = text.split()
    while words and words[0].casefold() in _LEADING:
        words = words[1:]
    return " ".join(words).encode()[:QUERY_BYTES].decode(errors="ignore").strip()


async def find(ctx: Ctx) -> list[Reply]:
    """/cari <words>, "cari kopi", "beli gula aren": the first page of results."""
    if ctx.citizen is None:
        reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="market")
    query = _query_of(ctx.msg.text)
    if not query:
        text = ctx._("🔎 What are you looking for? Type for example: cari kopi")
        return [Reply(text, (), Expect.TEXT)]
    return await _page(ctx, ctx.citizen, query, 0)


def _first_name(full_name: str | None) -> str:
    words = (full_name or "").split()
    return words[0] if words else "-"


async def _seller_name(ctx: Ctx, citizen_id: int) -> str:
    citizen = await ctx.session.get(Citizen, citizen_id)
    return _first_name(citizen.full_name if citizen is not None else None)


async def _page(ctx: Ctx, citizen: Citizen, query: str, page: int) -> list[Reply]:
    ids = await listing_search.search(ctx.session, [citizen.village_id], query, FOUND_MAX)
    ordered = await listings.by_ids(ctx.session, ids, SHOWN)
    home = Button(ctx._("🏠 Main menu"), "menu:menu")
    if not ordered:
        text = ctx._("Nothing found for \u201c{query}\u201d in Lapak Desa.").format(query=query)
        return [Reply(text, ((home,),), Expect.CHOICE)]
    pages = (len(ordered) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = ordered[page * PAGE : (page + 1) * PAGE]
    lines = [
        ctx._("🔎 \u201c{query}\u201d: page {page} of {pages}").format(
            query=query, page=page + 1, pages=pages
        ),
        "",
    ]
    sellers = await people.full_names(ctx.session, {x.citizen_id for x in shown})
    buttons = []
    for n, listing in enumerate(shown, start=page * PAGE + 1):
        parts = [
            f"{n}. {listing.name}",
            price_text(ctx._, listing.price, listing.unit),
            listing.dusun or "-",
            _first_name(sellers.get(listing.citizen_id)),
        ]
        if listing.status == RESERVED:
            parts.append(ctx._("Reserved"))
        lines.append(" · ".join(parts))
        buttons.append(Button(fit_label(f"{n}. {listing.name}"), f"cari:o:{listing.id}"))
    if page > 0:
        buttons.append(Button(ctx._("⬅️ Previous"), f"cari:s:{page - 1}:{query}"))
    if page < pages - 1:
        buttons.append(Button(ctx._("Next ➡️"), f"cari:s:{page + 1}:{query}"))
    buttons.append(home)
    return [Reply("\n".join(lines), rows(*buttons, per_row=1), Expect.CHOICE)]


async def _open(ctx: Ctx, listing_id: int) -> list[Reply]:
    listing = await ctx.session.get(Listing, listing_id)
    home = Button(ctx._("🏠 Main menu"), "menu:menu")
    if listing is None or listing.status not in SHOWN:
        return [Reply(ctx._("That listing no longer exists."), ((home,),), Expect.CHOICE)]
    await listings.count_view(ctx.session, listing_id)
    lines = [
        f"🛒 {listing.name}",
        ctx._("Price: {price}").format(price=price_text(ctx._, listing.price, listing.unit)),
    ]
    if listing.description:
        lines.append(listing.description)
    lines.append(ctx._("Seller: {name}").format(name=await _seller_name(ctx, listing.citizen_id)))
    if listing.dusun:
        lines.append(f"📍 {listing.dusun}")
    if listing.status == RESERVED:
        lines.append(ctx._("Reserved"))
    if listing.whatsapp:
        lines.append(f"WhatsApp: {listing.whatsapp}")
    media = tuple(Media(MediaKind.PHOTO, p) for p in listing.photos)
    return [Reply("\n".join(lines), ((home,),), Expect.CHOICE, media=media)]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """The buyer's buttons: a page of results, or one listing."""
    if ctx.citizen is None:
        return await find(ctx)
    action, _sep, rest = value.partition(":")
    if action == "o" and rest.isascii() and rest.isdigit():
        return await _open(ctx, int(rest))
    page, _sep, query = rest.partition(":")
    if action == "s" and page.isascii() and page.isdigit() and query:
        return await _page(ctx, ctx.citizen, query, int(page))
    return await find(ctx)


async def open_listing(ctx: Ctx, listing_id: int) -> list[Reply]:
    """One listing as a buyer sees it (a link into the chat opens it too)."""
    return await _open(ctx, listing_id)
