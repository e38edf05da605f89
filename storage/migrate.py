"""Bring a database to the newest schema with Alembic, from code or the CLI.

Alembic is imported only when there is something to do: a database already at the
newest revision (every start but the first after an upgrade) is checked with one query,
and the long-running process does not carry Alembic's memory. Several workers starting
at once on one database: one migrates, under a lock, and the others wait for it and then
find nothing left to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage.db import create_engine, is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision; a test checks it against Alembic's own head.
HEAD_REVISION = "0019"
# PostgreSQL's advisory lock key for migrating ("balai" in ASCII).
MIGRATION_LOCK = 0x62616C6169


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def ensure_sqlite_folder(url: str) -> None:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


async def upgrade_to_head(url: str) -> None:
    """Apply every pending migration; Alembic runs its own event loop, so use a thread."""
    ensure_sqlite_folder(url)
    if await current_revision(url) == HEAD_REVISION:
        return
    async with _one_migrator(url):
        if await current_revision(url) == HEAD_REVISION:
            return  # another process migrated while this one waited
        from alembic import command

        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


@asynccontextmanager
async def _one_migrator(url: str) -> AsyncIterator[None]:
    """Hold PostgreSQL's migration lock (an advisory lock, released if the process dies).

    SQLite needs none: Balai's transactions there begin IMMEDIATE (storage/db.py), so a
    second migrator waits for the first one's commit before reading alembic_version.
    """
    if is_sqlite(url):
        yield
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            lock = {"key": MIGRATION_LOCK}
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), lock)
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), lock)
    finally:
        await engine.dispose()


async def pending_revisions(url: str) -> bool:
    """Tell whether the database is behind the newest migration."""
    return await current_revision(url) != HEAD_REVISION


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        return None  # no alembic_version table yet: nothing applied
    finally:
        await engine.dispose()
    return str(found) if found is not None else None


def known_revisions() -> list[str]:
    """Every revision this version of Balai knows, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [r.revision for r in reversed(list(script.walk_revisions()))]
