"""Migrations from an empty database, and models that match them."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.db import create_engine
from storage.migrate import alembic_config, pending_revisions, upgrade_to_head
from storage.models import Base

TABLES = {
    "villages",
    "citizens",
    "channel_identities",
    "conversations",
    "cases",
    "case_events",
    "outbox",
    "audit_log",
}


async def test_empty_database_migrates_to_head_and_back(db_url):
    assert await pending_revisions(db_url)
    await upgrade_to_head(db_url)
    assert not await pending_revisions(db_url)
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
    await engine.dispose()
    assert tables >= TABLES
    assert journal == "wal"
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")
    assert await pending_revisions(db_url)
    await upgrade_to_head(db_url)


async def test_models_match_the_migrations(db_url):
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
