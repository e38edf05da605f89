"""The database itself refuses a status outside its closed set, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flows.market.card import LISTING
from storage import outbox, statuses
from storage.db import create_engine, session_factory
from storage.models import (
    Announcement,
    AnnouncementDelivery,
    Base,
    Case,
    CaseSubscriber,
    Citizen,
    ContactThread,
    Listing,
    Village,
)

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

# Every constrained column, with the values the code writes into it.
CHECKED: dict[tuple[str, str], Iterable[str]] = {
    ("outbox", "status"): statuses.MESSAGE_STATUSES,
    ("outbox", "delivery_state"): statuses.DELIVERY_RANKS,
    ("case_subscribers", "role"): statuses.SUBSCRIBER_ROLES,
    ("listings", "status"): statuses.LISTING_STATUSES,
    ("contact_threads", "status"): statuses.CONTACT_STATUSES,
    ("contact_threads", "ended_by"): statuses.CONTACT_ENDED_BY,
    ("announcements", "status"): statuses.ANNOUNCEMENT_STATUSES,
    ("announcements", "kind"): statuses.ANNOUNCEMENT_KINDS,
    ("announcement_deliveries", "status"): statuses.DELIVERY_STATUSES,
}
IDS = [f"{table}.{column}" for table, column in CHECKED]


@pytest.fixture
async def seeded(migrated_db_url: str) -> AsyncIterator[AsyncEngine]:
    """One row in every table with a constrained column."""
    engine = create_engine(migrated_db_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        village = Village(code="18.04.07.2001", name="Sukamaju")
        session.add(village)
        await session.flush()
        seller, buyer = (Citizen(village_id=village.id, registered_at=NOW) for _ in range(2))
        session.add_all([seller, buyer])
        await session.flush()
        case = Case(
            village_id=village.id,
            kind=LISTING.name,
            code="LPK-AAAA",
            citizen_id=seller.id,
            status=statuses.LISTING_LIVE,
            data={},
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(case)
        await session.flush()
        session.add(
            CaseSubscriber(
                case_id=case.id,
                citizen_id=seller.id,
                role=statuses.SUBSCRIBER_REPORTER,
                created_at=NOW,
            )
        )
        listing = Listing(
            case_id=case.id,
            village_id=village.id,
            citizen_id=seller.id,
            code=case.code,
            status=statuses.LISTING_LIVE,
            name="Kopi robusta",
            category="hasil-kebun",
            delivery="pickup",
            contact_mode="chat",
            photos=[],
            created_at=NOW,
        )
        session.add(listing)
        await session.flush()
        session.add(
            ContactThread(
                listing_id=listing.id,
                seller_id=seller.id,
                buyer_id=buyer.id,
                status=statuses.CONTACT_OPEN,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        announcement = Announcement(
            code="PGM-2222",
            village_ids=[village.id],
            admin_chat_id="-1001",
            author_id="7",
            author_name="Pak Kades",
            kind=statuses.ANNOUNCEMENT_NORMAL,
            topic="umum",
            audience={},
            text="Kerja bakti Minggu pagi.",
            status=statuses.ANNOUNCEMENT_SCHEDULED,
            send_at=NOW,
            expires_at=NOW + timedelta(days=2),
            created_at=NOW,
        )
        session.add(announcement)
        await session.flush()
        session.add(
            AnnouncementDelivery(
                announcement_id=announcement.id,
                citizen_id=buyer.id,
                village_id=village.id,
                channel="telegram",
                chat_id="2002",
                status=statuses.DELIVERY_PENDING,
            )
        )
        await outbox.enqueue(
            session,
            [outbox.row(channel="telegram", chat_id="2002", payload={"text": "x"}, now=NOW)],
        )
    try:
        yield engine
    finally:
        await engine.dispose()


async def _set(engine: AsyncEngine, table: str, column: str, value: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(Base.metadata.tables[table]).values({column: value}))


@pytest.mark.parametrize(("table", "column"), list(CHECKED), ids=IDS)
async def test_a_value_outside_the_set_is_refused_by_the_database(seeded, table, column):
    with pytest.raises(IntegrityError):
        await _set(seeded, table, column, "bogus")
    # A typo of a real status, too: the database compares exactly.
    with pytest.raises(IntegrityError):
        await _set(seeded, table, column, next(iter(CHECKED[table, column])).upper())


@pytest.mark.parametrize(("table", "column"), list(CHECKED), ids=IDS)
async def test_every_value_the_code_writes_is_allowed(seeded, table, column):
    for value in CHECKED[table, column]:
        await _set(seeded, table, column, value)


async def test_a_case_of_a_new_kind_keeps_statuses_of_its_own(seeded):
    """Case statuses have no CHECK: a new case kind is a module, not a migration."""
    async with session_factory(seeded)() as session, session.begin():
        village_id = await session.scalar(select(Village.id))
        session.add(
            Case(
                village_id=village_id,
                kind="permit",
                code="IZN-AAAA",
                status="waiting_for_the_camat",
                data={},
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_the_listing_kind_and_the_listings_table_know_the_same_statuses():
    assert set(LISTING.labels) == set(statuses.LISTING_STATUSES)
    assert set(LISTING.transitions) <= set(statuses.LISTING_STATUSES)
