"""Databases for the suite's PostgreSQL pass: one migrated template, a copy per test."""

from __future__ import annotations

import itertools
import os

import asyncpg

from storage.migrate import upgrade_to_head

TEMPLATE = "balai_test_template"
_numbers = itertools.count()


def _dsn(url: str, database: str | None = None) -> str:
    """asyncpg's form of a SQLAlchemy URL, optionally naming another database."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    if database is not None:
        dsn = dsn.rsplit("/", 1)[0] + "/" + database
    return dsn


def _sqlalchemy(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def migrated_template(url: str) -> str:
    """A fresh template database at the newest schema; its name."""
    # Several pytest processes may share one server: each has its own template.
    name = f"{TEMPLATE}_{os.getpid()}"
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    await upgrade_to_head(_sqlalchemy(url, name))
    return name


async def copy_of(url: str, template: str) -> str:
    """A new database copied from the template (PostgreSQL copies its files: fast)."""
    name = f"{template}_t{next(_numbers)}"
    await _admin(
        url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
    )
    return _sqlalchemy(url, name)


async def empty(url: str) -> str:
    """A new empty database (for the migrations from nothing)."""
    name = f"balai_test_empty_{os.getpid()}_{next(_numbers)}"
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    return _sqlalchemy(url, name)


async def cut_off(url: str, copy_url: str) -> None:
    """The database refuses new connections and loses its open ones (as if gone)."""
    name = copy_url.rsplit("/", 1)[1]
    await _admin(url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            name,
        )
    finally:
        await connection.close()


async def drop(url: str, copy_url: str) -> None:
    name = copy_url.rsplit("/", 1)[1]
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def holding_lock(url: str, statement: str) -> asyncpg.Connection:
    """Another session of this database, inside a transaction that ran `statement` (a
    LOCK or a SELECT ... FOR UPDATE) and holds its lock until the connection is closed."""
    connection = await asyncpg.connect(_dsn(url))
    await connection.execute("BEGIN")
    await connection.execute(statement)
    return connection


async def lock_is_free(url: str, statement: str, *args: object) -> bool:
    """Whether another session takes the lock `statement` asks for within 0.2 s."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL lock_timeout = '200ms'")
            await connection.execute(statement, *args)
        return True
    except asyncpg.LockNotAvailableError:
        return False
    finally:
        await connection.close()
