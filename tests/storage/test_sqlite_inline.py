"""SQLite on the event loop's thread: another process's write lock is waited out in
asyncio, so everything else goes on meanwhile; a lock held too long is an error."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage import sqlite_inline
from storage.db import create_engine, session_factory
from storage.models import Village


@pytest.fixture
def db_url(sqlite_db_url: str) -> str:
    """A real SQLite file at the newest schema, in the PostgreSQL pass too."""
    return sqlite_db_url.replace("sqlite+aiosqlite://", "sqlite://", 1)


class _OtherProcess:
    """Another process holding SQLite's write lock (a CLI command, a backup) until told."""

    def __init__(self, db_url: str) -> None:
        self._path = Path(make_url(db_url).database or "")
        self.holding = threading.Event()
        self.release = threading.Event()

    def hold_write_lock(self) -> None:
        with sqlite3.connect(self._path, isolation_level=None) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(
                    "INSERT INTO villages (code, name, created_at)"
                    " VALUES ('3201010001', 'Lain', '2026-12-03 00:00:00.000000')"
                )
            finally:
                self.holding.set()
            self.release.wait(30)
            connection.execute("COMMIT")
        connection.close()


async def test_a_locked_database_is_waited_out_while_the_loop_goes_on(db_url):
    other = _OtherProcess(db_url)
    holder = asyncio.create_task(asyncio.to_thread(other.hold_write_lock))
    await asyncio.to_thread(other.holding.wait, 10)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:

        async def count_villages() -> int:
            async with sessions() as session, session.begin():
                return int(await session.scalar(select(func.count(Village.id))) or 0)

        waiting = asyncio.create_task(count_villages())
        # The loop is free while the transaction waits for the lock: this coroutine runs,
        # sees the transaction still waiting, and only then lets the other process commit.
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert not waiting.done()
        other.release.set()
        assert await asyncio.wait_for(waiting, 10) == 1  # the other process's village
    finally:
        other.release.set()
        await holder
        await engine.dispose()


async def test_a_lock_held_too_long_fails_the_transaction(db_url, monkeypatch):
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_SECONDS", 0.2)
    other = _OtherProcess(db_url)
    holder = asyncio.create_task(asyncio.to_thread(other.hold_write_lock))
    await asyncio.to_thread(other.holding.wait, 10)
    engine = create_engine(db_url)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with session_factory(engine)() as session, session.begin():
                await session.scalar(select(func.count(Village.id)))
    finally:
        other.release.set()
        await holder
        await engine.dispose()


async def test_what_a_transaction_wrote_is_on_disk_once_committed(db_url):
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add(Village(code="3201010002", name="Sukamaju"))
    finally:
        await engine.dispose()
    path = make_url(db_url).database or ""
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM villages").fetchall() == [("Sukamaju",)]
    connection.close()
