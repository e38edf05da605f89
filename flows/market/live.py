"""A listing going live and stopping: its row for buyers, and the search index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.market.card import SHOWN, ListingData, category_name
from storage import listing_search, listings
from storage.models import Case


def search_text(village: VillageConfig | None, data: ListingData) -> str:
    """The name on the first line (it weighs most in the ranking), then category and
    description (storage/listing_search.py)."""
    category = category_name(village, data.category) if village is not None else data.category
    return "\n".join((data.name, category, data.description))


def row_values(data: ListingData) -> dict[str, Any]:
    """The listings row's copy of the listing's fields."""
    return {
        "name": data.name,
        "category": data.category,
        "price": data.price,
        "unit": data.unit,
        "stock": data.stock,
        "description": data.description,
        "delivery": data.delivery,
        "contact_mode": data.contact,
        "whatsapp": data.whatsapp,
        "photos": list(data.photos),
        "dusun": data.dusun,
    }


async def sync(ctx: Ctx, case: Case, **extra: Any) -> None:
    """Copy the case's status and fields to its listing; (re)index it while it shows."""
    data = ListingData.of(case)
    await listings.set_values(
        ctx.session, case.id, {"status": case.status, **row_values(data), **extra}
    )
    listing = await listings.by_case(ctx.session, case.id)
    if listing is None:
        return
    if case.status in SHOWN:
        village = ctx.services.village_by_id(case.village_id)
        await listing_search.index(
            ctx.session, listing.id, case.village_id, search_text(village, data)
        )
    else:
        await listing_search.remove(ctx.session, listing.id)


async def go_live(ctx: Ctx, case: Case, *, until: datetime) -> None:
    await sync(ctx, case, approved_at=ctx.now(), expires_at=until, renewal_asked_at=None)


async def stop_live(ctx: Ctx, case: Case) -> None:
    await sync(ctx, case)
