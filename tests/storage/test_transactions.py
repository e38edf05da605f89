"""Transactions on SQLite are all or nothing, savepoints included."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.engine import runner as runner_module
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import Village
from tests.helpers import Person, citizens, fill_registration


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite's transactions on its file, in the PostgreSQL pass too."""
    return sqlite_url


def _count_on_disk(db_url: str, query: str) -> int:
    """Open the database file afresh, as another process would, and count the rows."""
    path = Path(make_url(db_url).database or "")
    assert path.exists()
    with sqlite3.connect(path) as connection:
        return int(connection.execute(query).fetchone()[0])


class _Abandon(Exception):
    pass


async def _savepoint_then_abandon(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        async with session.begin_nested():
            session.add(Village(code="3201010001", name="Sukamaju"))
            await session.flush()
        # The savepoint is released; the transaction around it is not committed.
        assert await session.scalar(select(func.count(Village.id))) == 1
        raise _Abandon


async def test_released_savepoint_is_rolled_back_with_its_transaction(db_url):
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        with pytest.raises(_Abandon):
            await _savepoint_then_abandon(sessions)
        async with sessions() as session:
            assert await session.scalar(select(func.count(Village.id))) == 0
    finally:
        await engine.dispose()
    assert _count_on_disk(db_url, "SELECT count(*) FROM villages") == 0


async def test_registration_rolled_back_leaves_no_row(core, db_url, monkeypatch):
    """The citizen row is inserted in a savepoint; a failure later in the message undoes it."""
    siti = Person(core)
    await fill_registration(siti, until="save")

    async def broken_queue(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(runner_module, "queue", broken_queue)
    [save] = [
        b.value for r in siti.replies for row in r.buttons for b in row if "Simpan" in b.label
    ]
    await siti.presses(save)
    assert "Maaf" in siti.text  # the runner's apology, not "you are registered"
    assert await citizens(core) == []
    assert _count_on_disk(db_url, "SELECT count(*) FROM citizens") == 0

    monkeypatch.undo()
    await siti.presses(save)  # the form was kept: saving again works
    assert "terdaftar" in siti.text
    [citizen] = await citizens(core)
    assert citizen.full_name == "Siti Aminah"


async def test_writer_that_read_first_is_not_locked_out_by_another_writer(db_url):
    """Two transactions read, then write: BEGIN IMMEDIATE makes the second wait for the first.

    With a plain (deferred) BEGIN the one that read first cannot turn its read into a write
    once the other has written: "database is locked", whatever the busy timeout.
    """
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    first_inside = asyncio.Event()

    async def write(code: str, hold: bool) -> None:
        async with sessions() as session, session.begin():
            await session.scalar(select(func.count(Village.id)))
            if hold:
                first_inside.set()
                await asyncio.sleep(0.2)  # holds the transaction open while the other writes
            session.add(Village(code=code, name=code))

    async def second() -> None:
        await first_inside.wait()
        await write("B", hold=False)

    try:
        await asyncio.gather(write("A", hold=True), second())
    finally:
        await engine.dispose()
    assert _count_on_disk(db_url, "SELECT count(*) FROM villages") == 2
