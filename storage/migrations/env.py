"""Alembic environment: runs migrations over the async engine Balai uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.listing_search import is_search_table
from storage.models import Base

config = context.config
target_metadata = Base.metadata


class ForeignKeyViolation(RuntimeError):
    """A migration left rows pointing at rows that are not there; nothing was changed."""


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    # Batch mode lets later migrations alter tables on SQLite too. Balai begins SQLite's
    # transactions itself (storage/db.py), so DDL there is transactional as on PostgreSQL:
    # all pending migrations commit together or not at all.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transactional_ddl=True,
        include_name=_described_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            _check_foreign_keys(connection)


def _described_by_models(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate leaves the search index's virtual tables alone (0009 makes them)."""
    return not (type_ == "table" and is_search_table(name))


def _check_foreign_keys(connection: Connection) -> None:
    """Foreign keys are off while SQLite rebuilds tables; check them before committing."""
    broken = {row[0] for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}
    if broken:
        raise ForeignKeyViolation(f"foreign keys broken in tables: {', '.join(sorted(broken))}")


async def _run_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    # SQLite's batch mode copies a table and drops the old one, which enforced foreign
    # keys would refuse for a table others point at (cases): off here, checked above.
    engine = create_engine(url, foreign_keys=False)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
