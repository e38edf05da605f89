"""Saved searches on a real SQLite file: an approval reads only the searches its words name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import saved_searches
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import Citizen, Village

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
WORDS = ("gula", "lada", "beras", "telur", "ikan", "ayam", "jahe", "kunyit", "cabai", "durian")


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite in both passes: the test reads SQLite's query plan."""
    return sqlite_url


async def test_many_saved_searches_are_looked_up_by_word_on_an_index(db_url):
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add(Village(id=1, code="1801", name="Sukamaju"))
            await session.flush()
            session.add_all(Citizen(id=n, village_id=1, registered_at=NOW) for n in range(1, 301))
            await session.flush()
            for n in range(1, 301):
                for word in WORDS:  # 3,000 searches that no coffee matches
                    await saved_searches.add(
                        session,
                        citizen_id=n,
                        village_id=1,
                        query=word,
                        normalised=word,
                        terms={word},
                        now=NOW,
                    )
            for n in (7, 8):
                await saved_searches.add(
                    session,
                    citizen_id=n,
                    village_id=1,
                    query="kopi robsta",
                    normalised="kopi robusta",
                    terms={"kopi", "robusta"},
                    now=NOW,
                )
            found = await saved_searches.candidates(
                session, 1, {"kopi", "robusta", "bubuk"}, not_citizen=8, told_before=NOW
            )
            assert [s.citizen_id for s in found] == [7]
            assert await saved_searches.claim_telling(session, found[0].id, NOW, NOW - timedelta(1))
            later = NOW + timedelta(hours=23)
            assert not await saved_searches.claim_telling(
                session, found[0].id, later, later - timedelta(1)
            )
            plan = await session.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT search_id FROM saved_search_terms"
                    " WHERE village_id = 1 AND term IN ('kopi', 'bubuk')"
                )
            )
            assert "ix_saved_search_terms_village_term" in " ".join(str(r) for r in plan)
    finally:
        await engine.dispose()
