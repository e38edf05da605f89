"""Listings as table rows for the village's own records (CSV export); no phone numbers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import village_of
from flows.common.formatting import village_time
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.catalog import Export
from flows.engine.context import Services
from flows.market.card import EXPIRED, LISTING, ListingData, category_name
from storage import listings
from storage.models import Case

COLUMNS = (
    "code",
    "created",
    "approved",
    "status",
    "category",
    "name",
    "price",
    "unit",
    "dusun",
    "views",
    "contacts",
    "sold",
    "expired",
)


async def listing_row(services: Services, session: AsyncSession, case: Case) -> dict[str, str]:
    """One listing, as buyers and officials saw it."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = village_of(services, case)
    data = ListingData.of(case)
    row = await listings.by_case(session, case.id)

    def when(moment: object) -> str:
        from datetime import datetime

        return village_time(moment, village) if isinstance(moment, datetime) else ""

    return {
        "code": case.code,
        "created": when(case.created_at),
        "approved": when(row.approved_at if row else None),
        "status": _(LISTING.labels.get(case.status, case.status)),
        "category": category_name(village, data.category),
        "name": data.name,
        "price": "" if data.price is None else str(data.price),
        "unit": data.unit,
        "dusun": data.dusun,
        "views": str(row.views if row else 0),
        "contacts": str(row.contacts if row else 0),
        "sold": when(row.sold_at if row else None),
        "expired": when(row.expires_at if row and case.status == EXPIRED else None),
    }


EXPORT = Export("listings", "listing", LISTING.name, COLUMNS, listing_row)
