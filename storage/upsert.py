"""INSERT ... ON CONFLICT on SQLite and PostgreSQL alike.

Where two transactions may insert the same row (a first message of one person from two
updates, the same notification queued twice), the unique constraint decides, in one
statement: never a lookup first and an insert after, which both transactions pass.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

Insert: TypeAlias = "sqlite.Insert | postgresql.Insert"


@functools.cache
def insert_statement(
    dialect: str,
    model: type[Base],
    conflict: tuple[str, ...],
    update: tuple[str, ...] = (),
) -> Insert:
    """Insert a row into `model`'s table; on a conflict on the unique `conflict` columns
    set the `update` columns from the row offered, or (none given) leave the stored row.

    The row comes as the parameters of each execution, so one statement serves every
    call: it is built, and its cache key computed, once per process.
    """
    table = cast(Table, model.__table__)  # a mapped class's table (not a join or alias)
    statement: Insert
    if dialect == "sqlite":
        statement = sqlite.insert(table)
    elif dialect == "postgresql":
        # Imported here: the PostgreSQL dialect is memory a SQLite deployment never needs.
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table)
    else:
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for {dialect}")
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(conflict))
    changes = {column: statement.excluded[column] for column in update}
    return statement.on_conflict_do_update(index_elements=list(conflict), set_=changes)


def _dialect(session: AsyncSession) -> str:
    if session.bind is None:
        raise RuntimeError("the session is bound to no database")
    return session.bind.dialect.name


async def insert_ignoring(
    session: AsyncSession, model: type[Base], values: Mapping[str, Any], conflict: Sequence[str]
) -> bool:
    """Insert the row unless one with the same `conflict` columns is stored (or is being
    stored by another transaction, which this one then waits for); True when inserted."""
    statement = insert_statement(_dialect(session), model, tuple(conflict))
    result = await session.execute(statement, dict(values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_all_ignoring(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    conflict: Sequence[str],
) -> None:
    """`insert_ignoring` for many rows, in one statement."""
    statement = insert_statement(_dialect(session), model, tuple(conflict))
    await session.execute(statement, [dict(values) for values in rows])


async def upsert(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert the row, or set its `update` columns where one with the same `conflict`
    columns is stored."""
    statement = insert_statement(_dialect(session), model, tuple(conflict), tuple(update))
    await session.execute(statement, dict(values))
