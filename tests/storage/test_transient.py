"""Which database failures the runner may try again: those that kept nothing."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import sqlite_inline
from storage.db import create_engine, is_transient


async def _failure(url: str) -> BaseException:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the database answered")


async def test_postgres_out_of_reach_is_transient():
    with socket.socket() as probe:  # a port of 127.0.0.1 nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await _failure(f"postgresql+asyncpg://balai@127.0.0.1:{port}/balai")
    assert is_transient(error)


async def test_a_sqlite_lock_waited_out_is_not_tried_again(
    sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_SECONDS", 0.05)
    other = sqlite3.connect(Path(make_url(sqlite_db_url).database or ""), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        error = await _failure(sqlite_db_url)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database is locked" in str(error)
    assert not is_transient(error)  # its wait for the lock was the retry already
