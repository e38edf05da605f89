"""SQLite run on the event loop's own thread, for SQLAlchemy's asyncio extension.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in a thread of its
own and hands the result back through the event loop: four hand-offs per statement,
each a queue, a thread wake-up, a self-pipe write and a loop wake-up, and the two
threads pass the GIL back and forth. Balai's statements on a local SQLite file take
microseconds, less than one hand-off, so here they simply run where they are awaited;
only a commit, which waits for the disk, goes to a thread.

What could block the loop is waiting for another process's write lock (a CLI command, a
backup). So SQLite's busy handler, which sleeps inside SQLite, is off, and a BEGIN
IMMEDIATE that finds the database locked is retried after an asyncio sleep instead:
other updates go on meanwhile. Inside a transaction begun that way Balai holds the write
lock, and in WAL mode readers never wait, so the statements that follow do not wait.

A statement that reads much (an export of every case) does hold the loop for its
duration; such work belongs in its own short transactions.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from typing import Any

from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_cursor,
    AsyncAdapt_dbapi_module,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_

DRIVER = "balai"
LOCK_WAIT_SECONDS = 5.0
_FIRST_RETRY_SECONDS = 0.001
_LONGEST_RETRY_SECONDS = 0.05


class _Cursor(AsyncAdapt_dbapi_cursor):
    """One await per statement (SQLAlchemy's asyncio layer expects it); no thread."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        cursor: Any = self._cursor  # sqlite3's own cursor: its calls return at once
        result = (
            cursor.execute(operation)
            if parameters is None
            else cursor.execute(operation, parameters)
        )
        if cursor.description:
            self._rows = collections.deque(cursor.fetchall())
        return result

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        cursor: Any = self._cursor
        return cursor.executemany(operation, seq_of_parameters)


class _Connection(AsyncAdapt_dbapi_connection):
    __slots__ = ()
    _cursor_cls = _Cursor
    _connection: Any

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value

    def create_function(self, *args: Any, **kw: Any) -> None:
        self._connection.create_function(*args, **kw)

    def commit(self) -> None:
        # The one call that may wait on the disk (WAL with synchronous=FULL syncs each
        # commit, so what a resident sent survives a power cut): it waits in a thread.
        await_(asyncio.to_thread(self._connection.commit))

    def rollback(self) -> None:
        self._connection.rollback()

    def close(self) -> None:
        self._connection.close()

    def terminate(self) -> None:
        self._connection.close()


class _Module(AsyncAdapt_dbapi_module):
    """Python's sqlite3 module as SQLAlchemy's asyncio dialects expect a driver."""

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.sqlite = sqlite3
        self.paramstyle = "qmark"
        self.has_stop = True
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kw: Any) -> _Connection:
        kw.pop("async_creator_fn", None)
        # Every call happens on the loop's thread; the pool may close a connection
        # from another (garbage collection), which sqlite3 would refuse.
        kw["check_same_thread"] = False
        return _Connection(self, sqlite3.connect(*args, **kw))


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's aiosqlite dialect on `_Module` instead of aiosqlite."""

    driver = DRIVER
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> Any:
        return _Module()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return None


registry.register(f"sqlite.{DRIVER}", __name__, InlineSQLiteDialect.__name__)


def begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE, waiting in asyncio (not in SQLite) while another holds the lock."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = _FIRST_RETRY_SECONDS
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            if not _is_locked(error) or time.monotonic() >= deadline:
                raise
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, _LONGEST_RETRY_SECONDS)


def _is_locked(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)
