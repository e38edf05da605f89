"""Lapak Desa for buyers: search listings in the own village, page through, open one."""

from __future__ import annotations

from sqlalchemy import select, update

from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Media, MediaKind, Reply, rows
from flows.market.card import RESERVED, SHOWN, price_text
from storage import listing_search
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


async def _seller_name(ctx: Ctx, citizen_id: int) -> str:
    citizen = await ctx.session.get(Citizen, citizen_id)
    name = (citizen.full_name or "") if citizen is not None else ""
    return name.split()[0] if name.split() else "-"


async def _page(ctx: Ctx, citizen: Citizen, query: str, page: int) -> list[Reply]:
    ids = await listing_search.search(ctx.session, [citizen.village_id], query, FOUND_MAX)
    found = (
        await ctx.session.scalars(
            select(Listing).where(Listing.id.in_(ids), Listing.status.in_(SHOWN))
        )
    ).all()
    by_id = {x.id: x for x in found}
    ordered = [by_id[i] for i in ids if i in by_id]
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
    buttons = []
    for n, listing in enumerate(shown, start=page * PAGE + 1):
        parts = [
            f"{n}. {listing.name}",
            price_text(ctx._, listing.price, listing.unit),
            listing.dusun or "-",
            await _seller_name(ctx, listing.citizen_id),
        ]
        if listing.status == RESERVED:
            parts.append(ctx._("Reserved"))
        lines.append(" · ".join(parts))
        buttons.append(Button(f"{n}. {listing.name}"[:20], f"cari:o:{listing.id}"))
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
    # Atomic: two buyers opening at once both count.
    await ctx.session.execute(
        update(Listing).where(Listing.id == listing_id).values(views=Listing.views + 1)
    )
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
