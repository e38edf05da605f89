"""Engine and session setup.

SQLite gets WAL, synced commits, foreign keys, transactions that Balai begins itself, and
a driver that runs on the event loop (sqlite_inline); other databases as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_inline


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """The engine for `url`.

    `foreign_keys=False` is for migrations only (other databases than SQLite ignore it):
    SQLite's batch mode rebuilds a table by copying it and dropping the old one, which
    enforced foreign keys would refuse.
    """
    # hide_parameters: SQL errors must never carry a NIK or phone number into the logs.
    if not is_sqlite(url):
        # pool_pre_ping: a pooled connection the server dropped meanwhile (a restart, a
        # failover, pg_terminate_backend) is replaced when taken, not failed on first use.
        return create_async_engine(url, hide_parameters=True, pool_pre_ping=True)
    # One connection for the process. SQLite has one writer and every transaction takes
    # the write lock (below), so more connections add no throughput: they only wait in
    # SQLite's busy handler, which polls with sleeps, and each holds its own page cache.
    # Waiting for the pool is an asyncio wait, first come first served. The session ends
    # each transaction itself, so the pool's extra rollback on return is skipped.
    engine = create_async_engine(
        make_url(url).set(drivername=f"sqlite+{sqlite_inline.DRIVER}"),
        hide_parameters=True,
        pool_size=1,
        max_overflow=0,
        pool_reset_on_return=None,
    )
    _tune_sqlite(engine, foreign_keys=foreign_keys)
    return engine


def _tune_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    """WAL, lock waits in asyncio, and real transactions (SQLAlchemy's recipe for pysqlite).

    Left to itself, Python's sqlite3 driver begins a
    transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT issued before that becomes
    the outermost transaction, and releasing it commits: a registration saved in a
    savepoint stayed even when its message's transaction was rolled back. So the driver
    is told to leave transactions alone and Balai emits BEGIN itself, IMMEDIATE because
    nearly every transaction (one per message) writes: taking the write lock at the start
    makes a second writer wait (in asyncio, see sqlite_inline) instead of failing when it
    upgrades a stale read snapshot. Read-only transactions (the outbox's lookups, an
    export) take it too, briefly; so nothing slow may happen inside a transaction (see the
    runner's admin gate).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Each commit reaches the disk: a village's power cuts must not take back what a
        # resident was told is saved (NORMAL would, for the last transactions).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=0")  # lock waits are asyncio's (sqlite_inline)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    event.listen(engine.sync_engine, "begin", sqlite_inline.begin_immediate)


# SQLSTATEs of a transaction the server rolled back whole and that may simply run again:
# serialization failure, deadlock, the server shutting down or not yet accepting.
_RETRYABLE_STATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})


def is_transient(error: BaseException) -> bool:
    """Whether `error` means the database was briefly unreachable or gave way, so that the
    transaction it ended was rolled back entirely and may be tried again.

    A lock not obtained on SQLite is not among them: its wait (sqlite_inline) already
    was the retry.
    """
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True  # the connection was lost: its transaction is gone with it
        error = error.orig if isinstance(error.orig, BaseException) else error
    state = str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")
    if state.startswith("08") or state in _RETRYABLE_STATES:
        return True
    # Refused, reset or timed out while connecting: the driver's own socket errors.
    return isinstance(error, (ConnectionError, TimeoutError))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
