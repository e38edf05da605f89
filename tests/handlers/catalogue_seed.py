"""Listings written straight into the database for the catalogue's tests (the chat's way
of making them, sell -> approve, is tested in tests/flows/test_market*.py)."""

from __future__ import annotations

import io
import itertools
from typing import Any

from PIL import Image

from bot.app import Core
from flows.market.live import search_text
from storage import listing_search, people
from storage.media import ref_of
from storage.models import Case, Citizen, Listing
from tests.helpers import save_media

SUKAMAJU = "18.04.07.2001"
_codes = itertools.count(1)
_shades = itertools.count(1)
_ALPHABET = "3479ACEFHJKMNPRTWXYZ"


def next_code() -> str:
    n = next(_codes)
    letters = ""
    for _ in range(4):
        n, digit = divmod(n, len(_ALPHABET))
        letters += _ALPHABET[digit]
    return f"LPK-{letters}"


def jpeg(width: int = 1200, height: int = 900) -> bytes:
    """A photo of its own colour (each call another file)."""
    n = next(_shades)
    out = io.BytesIO()
    Image.new("RGB", (width, height), (n * 37 % 256, n * 91 % 256, n * 13 % 256)).save(out, "JPEG")
    return out.getvalue()


async def seller(
    core: Core,
    user_id: str = "1001",
    name: str = "Siti Aminah",
    *,
    channel: str = "telegram",
    dusun: str = "Krajan",
) -> int:
    """A registered resident of Sukamaju (on `channel` as `user_id`); their citizen id."""
    async with core.sessions() as session, session.begin():
        now = core.services.clock()
        citizen = Citizen(
            village_id=core.services.village_ids[SUKAMAJU],
            full_name=name,
            nik=f"180407410790{user_id[-4:]}",
            dusun=dusun,
            rt="003",
            rw="005",
            phone=f"+628123456{user_id[-4:]}",
            consent_at=now,
            registered_at=now,
        )
        session.add(citizen)
        await session.flush()
        identity, _row = await people.identity_and_conversation(session, channel, user_id)
        identity.citizen_id = citizen.id
        return citizen.id


async def add_listing(
    core: Core,
    citizen_id: int,
    *,
    name: str = "Kopi robusta bubuk",
    status: str = "live",
    description: str = "Kopi dari kebun sendiri, digiling halus.",
    category: str = "kebun",
    price: int | None = 25_000,
    unit: str = "kg",
    stock: int | None = None,
    photos: int = 0,
    whatsapp: str | None = None,
    dusun: str = "Krajan",
    village: str = SUKAMAJU,
) -> Listing:
    """One listing in `status`, indexed for search, with `photos` JPEGs in the media store."""
    store = core.services.media
    assert store is not None
    village_id = core.services.village_ids[village]
    code = next_code()
    async with core.sessions() as session, session.begin():
        now = core.services.clock()
        identity, _row = await people.identity_and_conversation(session, "telegram", "1001")
        refs = []
        for _n in range(photos):
            media_id = await save_media(
                store,
                session,
                jpeg(),
                kind="photo",
                mime_type="image/jpeg",
                file_name=None,
                identity_id=identity.id,
                now=now,
            )
            refs.append(ref_of(media_id))
        data: dict[str, Any] = {"name": name, "category": category, "photos": refs}
        case = Case(
            village_id=village_id,
            kind="listing",
            code=code,
            citizen_id=citizen_id,
            status=status,
            data=data,
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        await session.flush()
        listing = Listing(
            case_id=case.id,
            village_id=village_id,
            citizen_id=citizen_id,
            code=code,
            status=status,
            name=name,
            category=category,
            price=price,
            unit=unit,
            stock=stock,
            description=description,
            delivery="pickup",
            contact_mode="wa" if whatsapp else "balai",
            whatsapp=whatsapp,
            photos=refs,
            dusun=dusun,
            views=0,
            contacts=0,
            created_at=now,
            approved_at=now,
        )
        session.add(listing)
        await session.flush()
        if status in ("live", "reserved"):
            from flows.market.card import ListingData

            text = search_text(
                core.services.villages.by_code(village),
                ListingData(name=name, category=category, description=description),
            )
            await listing_search.index(session, listing.id, village_id, text)
        return listing
