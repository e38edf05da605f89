"""The catalogue's routes on Balai's aiohttp server: a village's page, a listing, its photos.

`/lapak/<village code>` (newest first, `?q=` search, `?kategori=`, `?halaman=`),
`/lapak/<village code>/<listing code>`, `/lapak/<village code>/<listing code>/foto/<id>?w=`.
Only live and reserved listings are shown, and only their own photos served.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.common.villages import VillageConfig
from flows.engine.context import Services
from flows.market import links
from flows.market.card import (
    RESERVED,
    SHOWN,
    categories,
    first_name,
    price_text,
    stock_text,
)
from handlers.catalogue import pages
from handlers.catalogue.thumbs import WIDTHS, make_thumbnail
from storage import listing_search, listings, people
from storage.media import media_id_of, ref_of
from storage.models import Listing, StoredMedia

PAGE = 20
# A search looks at this many best matches (then pages through them).
FOUND_MAX = 200
QUERY_MAX = 100
PAGE_CACHE = "public, max-age=60"
PHOTO_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class ChatLinks:
    """Where a listing's buttons lead: the bot's deep link and Balai's WhatsApp number.

    In the simulator both lead back into its page (`/?start=...`, `/?app=whatsapp&text=...`)."""

    bot_username: str | None = None
    whatsapp_number: str | None = None
    simulator: bool = False

    def telegram(self, code: str) -> str | None:
        if self.simulator:
            return f"/?start={links.start_payload(code)}"
        return links.telegram_link(self.bot_username, code) if self.bot_username else None

    def whatsapp(self, code: str) -> str | None:
        if self.simulator:
            return "/?" + urlencode({"app": "whatsapp", "text": links.typed_text(code)})
        return links.whatsapp_link(self.whatsapp_number, code) if self.whatsapp_number else None


@dataclass(frozen=True)
class Catalogue:
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    links: ChatLinks


def add_routes(app: web.Application, catalogue: Catalogue) -> None:
    """Serve the catalogue on `app` (the webhooks' server, or the simulator's)."""
    services = catalogue.services
    gettext = services.translations("id").gettext  # the villages' language

    def html(body: str, status: int = 200) -> web.Response:
        cache = PAGE_CACHE if status == 200 else "no-cache"
        return web.Response(
            text=body,
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
        )

    def village_of(request: web.Request) -> tuple[VillageConfig, int] | None:
        village = services.villages.by_code(request.match_info["village"])
        village_id = services.village_ids.get(village.code) if village is not None else None
        return (village, village_id) if village is not None and village_id is not None else None

    async def shown(
        session: AsyncSession, village: VillageConfig, found: list[Listing]
    ) -> list[pages.ShownListing]:
        names = await people.full_names(session, {x.citizen_id for x in found})
        base = links.page_path(village.code)
        return [_shown(gettext, base, x, names.get(x.citizen_id), catalogue.links) for x in found]

    async def village_page(request: web.Request) -> web.Response:
        known = village_of(request)
        if known is None:
            return html(pages.not_found_page(gettext, None, None), 404)
        village, village_id = known
        query = request.query.get("q", "").strip()[:QUERY_MAX]
        codes = {c.code for c in categories(village)}
        category = request.query.get("kategori", "")
        category = category if category in codes else ""
        number = request.query.get("halaman", "1")
        page = int(number) if number.isascii() and number.isdigit() and number != "0" else 1
        async with catalogue.sessions() as session:
            if query:
                ids = await listing_search.search(session, [village_id], query, FOUND_MAX)
                found = [
                    x
                    for x in await listings.by_ids(session, ids, SHOWN)
                    if not category or x.category == category
                ]
                total = len(found)
                found = found[(page - 1) * PAGE : page * PAGE]
            else:
                found, total = await listings.newest(
                    session,
                    [village_id],
                    SHOWN,
                    category=category,
                    offset=(page - 1) * PAGE,
                    limit=PAGE,
                )
            items = await shown(session, village, found)
        body = pages.village_page(
            gettext,
            village,
            links.page_path(village.code),
            items,
            query=query,
            category=category,
            categories=categories(village),
            page=page,
            pages=max(1, (total + PAGE - 1) // PAGE),
        )
        return html(body)

    async def shown_listing(session: AsyncSession, village_id: int, code: str) -> Listing | None:
        found = await listings.with_code(session, code[:16], SHOWN, village_id)
        return found[0] if found else None

    async def listing_page(request: web.Request) -> web.Response:
        known = village_of(request)
        if known is None:
            return html(pages.not_found_page(gettext, None, None), 404)
        village, village_id = known
        base = links.page_path(village.code)
        async with catalogue.sessions() as session:
            listing = await shown_listing(session, village_id, request.match_info["code"])
            if listing is None:
                return html(pages.not_found_page(gettext, village, base), 404)
            [item] = await shown(session, village, [listing])
        return html(pages.listing_page(gettext, village, base, item))

    async def photo(request: web.Request) -> web.StreamResponse:
        known = village_of(request)
        media = request.match_info["media"]
        width_text = request.query.get("w", "320")
        width = int(width_text) if width_text.isascii() and width_text.isdigit() else 0
        store = services.media
        if known is None or store is None or width not in WIDTHS or not media.isdigit():
            raise web.HTTPNotFound()
        async with catalogue.sessions() as session:
            listing = await shown_listing(session, known[1], request.match_info["code"])
            if listing is None or ref_of(int(media)) not in listing.photos:
                raise web.HTTPNotFound()
            row = await session.get(StoredMedia, int(media))
        if row is None or not row.mime_type.startswith("image/"):
            raise web.HTTPNotFound()
        target = store.thumbnail_path(row.sha256, width)
        exists = await asyncio.to_thread(target.is_file)
        if not exists and not await asyncio.to_thread(
            make_thumbnail, store.path_of(row.sha256), target, width
        ):
            raise web.HTTPNotFound()
        return web.FileResponse(
            target, headers={"Cache-Control": PHOTO_CACHE, "Content-Type": "image/jpeg"}
        )

    app.router.add_get("/lapak/{village}", village_page)
    app.router.add_get("/lapak/{village}/{code}", listing_page)
    app.router.add_get("/lapak/{village}/{code}/foto/{media}", photo)


def _shown(
    gettext: pages.Gettext,
    base: str,
    listing: Listing,
    seller: str | None,
    chat: ChatLinks,
) -> pages.ShownListing:
    photos = tuple(
        f"{base}/{listing.code}/foto/{media_id}"
        for media_id in (media_id_of(p) for p in listing.photos)
        if media_id is not None
    )
    return pages.ShownListing(
        code=listing.code,
        name=listing.name,
        price=price_text(gettext, listing.price, listing.unit),
        stock=stock_text(gettext, listing.stock, listing.unit)
        if listing.stock is not None
        else None,
        dusun=listing.dusun,
        seller=first_name(seller),
        reserved=listing.status == RESERVED,
        description=listing.description,
        whatsapp=listing.whatsapp,
        photos=photos,
        telegram_url=chat.telegram(listing.code),
        whatsapp_url=chat.whatsapp(listing.code),
    )
