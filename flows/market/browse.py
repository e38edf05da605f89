"""Lapak Desa for buyers: search or browse a category, page through, open one.

Where a page of results comes from (search or category, own village or the kecamatan,
the page, the words) rides in the buttons' data, never in memory, so a page still turns
after a restart; a listing opened from a page carries it too, for its "back" button.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.common.text import fit_label, fold
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Media, MediaKind, Reply, rows
from flows.market import contact, report, saved
from flows.market.card import (
    RESERVED,
    SHOWN,
    categories,
    category_name,
    first_name,
    price_text,
    stock_text,
)
from storage import listing_search, listings, people
from storage.models import Citizen, Listing

PAGE = 5
FOUND_MAX = 50
# Button data ("cari:o:<id>:<kind>:<page>:<words>") must stay within Telegram's 64 bytes.
QUERY_BYTES = 40
_LEADING = frozenset({"/cari", "cari", "beli", "mau", "mencari", "membeli"})
SEARCH, CATEGORY = "s", "c"
WIDE = "k"  # the kind's suffix for the whole kecamatan


@dataclass(frozen=True)
class Results:
    """One page of results: a search's words or a category's code, and where to look."""

    kind: str
    wide: bool
    page: int
    term: str

    def data(self, page: int | None = None) -> str:
        kind = self.kind + (WIDE if self.wide else "")
        return f"{kind}:{self.page if page is None else page}:{self.term}"

    @classmethod
    def parse(cls, data: str) -> Results | None:
        kind, _sep, rest = data.partition(":")
        page, _sep, term = rest.partition(":")
        wide = kind.endswith(WIDE)
        kind = kind.removesuffix(WIDE)
        if kind not in (SEARCH, CATEGORY) or not (page.isascii() and page.isdigit()) or not term:
            return None
        return cls(kind, wide, int(page), term)


def _query_of(text: str) -> str:
    words = text.split()
    while words and words[0].casefold() in _LEADING:
        words = words[1:]
    return " ".join(words).encode()[:QUERY_BYTES].decode(errors="ignore").strip()


async def _register_first(ctx: Ctx) -> list[Reply]:
    reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
    return await register_first(ctx, reason, then="market")


async def find(ctx: Ctx) -> list[Reply]:
    """/cari <words>, "cari kopi", "beli gula aren": the first page of results."""
    if ctx.citizen is None:
        return await _register_first(ctx)
    query = _query_of(ctx.msg.text)
    if not query:
        text = ctx._("🔎 What are you looking for? Type for example: cari kopi")
        return [Reply(text, (), Expect.TEXT)]
    return await _page(ctx, ctx.citizen, Results(SEARCH, False, 0, query))


async def choose_category(ctx: Ctx) -> list[Reply]:
    """🗂️ Kategori: a button per category of the buyer's village."""
    village = ctx.village
    if ctx.citizen is None or village is None:
        return await _register_first(ctx)
    buttons = [
        Button(fit_label(c.short or c.name), f"cari:{CATEGORY}:0:{c.code}")
        for c in categories(village)
    ]
    buttons.append(Button(ctx._("🏠 Main menu"), "menu:menu"))
    text = ctx._("🗂️ Which category? The newest listings come first.")
    return [Reply(text, rows(*buttons, per_row=2), Expect.CHOICE)]


def _neighbours(ctx: Ctx, own: VillageConfig) -> list[int]:
    """Database ids of the deployment's other villages in the buyer's kecamatan."""
    same = (fold(own.kecamatan), fold(own.kabupaten))
    return [
        ctx.services.village_ids[v.code]
        for v in ctx.services.villages
        if v.code != own.code
        and (fold(v.kecamatan), fold(v.kabupaten)) == same
        and v.code in ctx.services.village_ids
    ]


async def _found(ctx: Ctx, villages: list[int], results: Results) -> tuple[list[Listing], int, int]:
    """The listings of the page asked for, that page (kept within range), and the pages."""
    if results.kind == CATEGORY:
        page = results.page
        while True:
            shown, total = await listings.newest(
                ctx.session, villages, SHOWN, category=results.term, offset=page * PAGE, limit=PAGE
            )
            pages = max(1, (total + PAGE - 1) // PAGE)
            if shown or page < pages:
                break
            page = pages - 1  # listings left meanwhile: the last page there is now
        return shown, page, pages
    ids = await listing_search.search(ctx.session, villages, results.term, FOUND_MAX)
    ordered = await listings.by_ids(ctx.session, ids, SHOWN)
    own = villages[0]
    # Own village first, each part in the search's order.
    ordered.sort(key=lambda listing: listing.village_id != own)
    pages = max(1, (len(ordered) + PAGE - 1) // PAGE)
    page = max(0, min(results.page, pages - 1))
    return ordered[page * PAGE : (page + 1) * PAGE], page, pages


def _heading(ctx: Ctx, village: VillageConfig, results: Results) -> str:
    if results.kind == CATEGORY:
        return f"🗂️ {category_name(village, results.term)}"
    return ctx._("🔎 \u201c{query}\u201d").format(query=results.term)


async def _page(ctx: Ctx, citizen: Citizen, results: Results) -> list[Reply]:
    village = ctx.services.village_by_id(citizen.village_id)
    home = Button(ctx._("🏠 Main menu"), "menu:menu")
    if village is None:
        text = ctx._("Lapak Desa is not open for your village.")
        return [Reply(text, ((home,),), Expect.CHOICE)]
    neighbours = _neighbours(ctx, village)
    villages = [citizen.village_id, *(neighbours if results.wide else ())]
    shown, page, pages = await _found(ctx, villages, results)
    results = replace(results, page=page)
    widen = None
    if neighbours and not results.wide:
        wide = replace(results, wide=True, page=0)
        widen = Button(ctx._("🏘️ Search the kecamatan"), f"cari:{wide.data()}")
    heading = _heading(ctx, village, results)
    if not shown:
        if results.wide:
            text = ctx._("{heading}: nothing in Lapak Desa of Kecamatan {kecamatan} yet.")
        else:
            text = ctx._("{heading}: nothing in Lapak Desa of {village} yet.")
        text = text.format(heading=heading, kecamatan=village.kecamatan, village=village.name)
        offered = [b for b in (saved_search(ctx, results), widen, home) if b is not None]
        return [Reply(text, rows(*offered, per_row=1), Expect.CHOICE)]
    if results.wide:
        where = ctx._("Kecamatan {kecamatan}").format(kecamatan=village.kecamatan)
    else:
        where = village.name
    lines = [
        ctx._("{heading} in {where}: page {page} of {pages}").format(
            heading=heading, where=where, page=page + 1, pages=pages
        ),
        "",
    ]
    sellers = await people.full_names(ctx.session, {x.citizen_id for x in shown})
    buttons, photos = [], []
    for n, listing in enumerate(shown, start=page * PAGE + 1):
        parts = [
            f"{n}. {listing.name}",
            price_text(ctx._, listing.price, listing.unit),
            _place(ctx, listing, citizen.village_id),
            first_name(sellers.get(listing.citizen_id)),
        ]
        if listing.status == RESERVED:
            parts.append(ctx._("Reserved"))
        lines.append(" · ".join(parts))
        if listing.photos:
            photos.append(Media(MediaKind.PHOTO, listing.photos[0], caption=f"{n}. {listing.name}"))
        opened = f"cari:o:{listing.id}:{results.data()}"
        buttons.append(Button(fit_label(f"{n}. {listing.name}"), opened))
    if page > 0:
        buttons.append(Button(ctx._("⬅️ Previous"), f"cari:{results.data(page - 1)}"))
    if page < pages - 1:
        buttons.append(Button(ctx._("Next ➡️"), f"cari:{results.data(page + 1)}"))
    buttons += [b for b in (saved_search(ctx, results), widen, home) if b is not None]
    reply = Reply("\n".join(lines), rows(*buttons, per_row=1), Expect.CHOICE, media=tuple(photos))
    return [reply]


def saved_search(ctx: Ctx, results: Results) -> Button | None:
    """🔔 Kabari saya under a search's results (a category is not a search to save)."""
    return saved.save_button(ctx, results.term) if results.kind == SEARCH else None


def _place(ctx: Ctx, listing: Listing, own_village: int) -> str:
    """The dusun; with the village's name when it is not the buyer's own."""
    place = listing.dusun or "-"
    if listing.village_id == own_village:
        return place
    other = ctx.services.village_by_id(listing.village_id)
    return f"{place}, {other.name}" if other is not None else place


async def open_listing(ctx: Ctx, listing_id: int, back: Results | None = None) -> list[Reply]:
    """One listing as a buyer sees it: photos, price, seller's first name, place."""
    listing = await ctx.session.get(Listing, listing_id)
    home = Button(ctx._("🏠 Main menu"), "menu:menu")
    if listing is None or listing.status not in SHOWN:
        return [Reply(ctx._("That listing no longer exists."), ((home,),), Expect.CHOICE)]
    await listings.count_view(ctx.session, listing_id)
    seller = await ctx.session.get(Citizen, listing.citizen_id)
    lines = [
        f"🛒 {listing.name}",
        ctx._("Price: {price}").format(price=price_text(ctx._, listing.price, listing.unit)),
    ]
    if listing.stock is not None:
        lines.append(stock_text(ctx._, listing.stock, listing.unit))
    if listing.description:
        lines.append(listing.description)
    seller_name = first_name(seller.full_name if seller is not None else None)
    lines.append(ctx._("Seller: {name}").format(name=seller_name))
    own = ctx.citizen.village_id if ctx.citizen is not None else listing.village_id
    lines.append(f"📍 {_place(ctx, listing, own)}")
    if listing.status == RESERVED:
        lines.append(ctx._("Reserved"))
    if listing.whatsapp:
        lines.append(f"WhatsApp: {listing.whatsapp}")
    lines.append(ctx._("Code: {code}").format(code=listing.code))
    buttons = list(contact.buttons(ctx, listing))
    if back is not None:
        buttons.append(Button(ctx._("⬅️ Back to the results"), f"cari:{back.data()}"))
    buttons += [report.report_button(ctx, listing.id), home]
    media = tuple(Media(MediaKind.PHOTO, p) for p in listing.photos)
    return [Reply("\n".join(lines), rows(*buttons, per_row=1), Expect.CHOICE, media=media)]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """The buyer's buttons: a page of results, or one listing."""
    if ctx.citizen is None:
        return await find(ctx)
    action, _sep, rest = value.partition(":")
    if action == "o":
        listing_id, _sep, back = rest.partition(":")
        if listing_id.isascii() and listing_id.isdigit():
            return await open_listing(ctx, int(listing_id), Results.parse(back))
    results = Results.parse(value)
    if results is not None:
        return await _page(ctx, ctx.citizen, results)
    return await find(ctx)
