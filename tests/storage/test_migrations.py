"""Migrations from an empty database, and models that match them."""

from __future__ import annotations

import asyncio
import sqlite3
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.listing_search import is_search_table
from storage.migrate import HEAD_REVISION, alembic_config, pending_revisions, upgrade_to_head
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
        if connection.dialect.name == "sqlite":
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            assert journal == "wal"
    await engine.dispose()
    assert tables >= TABLES
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")
    assert await pending_revisions(db_url)
    await upgrade_to_head(db_url)


def test_the_newest_revision_balai_checks_for_is_alembics_head():
    """Startup skips Alembic when the database is at HEAD_REVISION: it must be the head."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head == HEAD_REVISION


async def test_models_match_the_migrations(db_url):
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_name": _described_by_models}),
                Base.metadata,
            )
        )
    await engine.dispose()
    assert diff == []


def _described_by_models(name, type_, _parents):
    # The search index's FTS5 tables are SQLite DDL outside storage.models (0009).
    return not (type_ == "table" and is_search_table(name))


def _sqlite_path(db_url: str) -> str:
    return make_url(db_url).database or ""


async def test_case_codes_become_unique_per_village_keeping_every_case(sqlite_url):
    """0003 rebuilds `cases` on SQLite; the cases, their history and references survive."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0002")
    at = "2026-11-22 04:00:00.000000"
    with sqlite3.connect(_sqlite_path(sqlite_url)) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.executemany(
            "INSERT INTO villages (id, code, name, created_at) VALUES (?, ?, ?, ?)",
            [(1, "A", "Sukamaju", at), (2, "B", "Sukamakmur", at)],
        )
        db.execute(
            "INSERT INTO citizens (id, village_id, registered_at, version) VALUES (1, 1, ?, 1)",
            (at,),
        )
        case = (
            "INSERT INTO cases (id, village_id, kind, code, citizen_id, status, version, data,"
            " created_at, updated_at, related_case_id) VALUES (?, 1, 'complaint', ?, 1, 'new',"
            " 1, '{}', ?, ?, ?)"
        )
        db.execute(case, (1, "ADU-AAAA", at, at, None))
        db.execute(case, (2, "ADU-CCCC", at, at, 1))
        db.execute(
            "INSERT INTO case_events (case_id, at, actor, action) VALUES (2, ?, 'citizen', 'x')",
            (at,),
        )
        db.execute(
            "INSERT INTO case_subscribers (case_id, citizen_id, role, created_at)"
            " VALUES (1, 1, 'reporter', ?)",
            (at,),
        )

    await upgrade_to_head(sqlite_url)

    with sqlite3.connect(_sqlite_path(sqlite_url)) as db:
        db.execute("PRAGMA foreign_keys=ON")
        assert db.execute("SELECT id, code, related_case_id FROM cases ORDER BY id").fetchall() == [
            (1, "ADU-AAAA", None),
            (2, "ADU-CCCC", 1),
        ]
        assert db.execute("SELECT count(*) FROM case_events").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM case_subscribers").fetchone() == (1,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        # The same code in another village is allowed, in the same village refused.
        db.execute(
            "INSERT INTO cases (village_id, kind, code, status, version, data, created_at,"
            " updated_at) VALUES (2, 'complaint', 'ADU-AAAA', 'new', 1, '{}', ?, ?)",
            (at, at),
        )
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO cases (village_id, kind, code, status, version, data, created_at,"
                " updated_at) VALUES (1, 'complaint', 'ADU-AAAA', 'new', 1, '{}', ?, ?)",
                (at, at),
            )
        # Foreign keys are still enforced after the rebuild.
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO case_events (case_id, at, actor, action) VALUES (99, ?, 'x', 'x')",
                (at,),
            )


async def test_workers_starting_at_once_migrate_once_and_all_start(db_url):
    """Three processes upgrade one empty database at the same moment: one migrates under
    the lock, the others wait and find it done; none fails on a table that exists."""
    probe = (
        "import asyncio, sys; from storage.migrate import upgrade_to_head; "
        "asyncio.run(upgrade_to_head(sys.argv[1]))"
    )
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", probe, db_url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [await worker.communicate() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], [e for _o, e in results]
    assert not await pending_revisions(db_url)
