"""Updates racing, played out deterministically.

On PostgreSQL two workers can both read a resident before either writes. SQLite runs one
write transaction at a time (BEGIN IMMEDIATE), so there the race is played out inside
the first transaction: right after it reads the resident, the other side's change is
written (as it would have been committed meanwhile), and the first side's write must then
notice that the record moved on instead of overwriting it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import cases, people
from storage.models import Case, Citizen


def verified_meanwhile(monkeypatch: pytest.MonkeyPatch, by: str) -> list[int]:
    """After the next read of a resident, `by` verifies them first. Gives back the ids of
    the residents it happened to (so a test can assert the race was played out)."""
    happened: list[int] = []
    real_citizen_by_id = people.citizen_by_id

    async def citizen_by_id(session: Any, citizen_id: int) -> Any:
        found = await real_citizen_by_id(session, citizen_id)
        if found is not None and not happened:
            happened.append(citizen_id)
            await session.execute(
                update(Citizen)
                .where(Citizen.id == citizen_id)
                .values(
                    verified_at=datetime.now(UTC),
                    verified_by=by,
                    version=Citizen.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return found

    monkeypatch.setattr(people, "citizen_by_id", citizen_by_id)
    return happened


@contextmanager
def written_first(
    engine: AsyncEngine, before: str, sql: str, params: Sequence[Any] = ()
) -> Iterator[list[str]]:
    """Right before this engine next runs a statement starting with `before` (e.g.
    "INSERT INTO outbox"), run `sql` in the same transaction: what another transaction
    would have committed between this one's read and its write. Gives back the statements
    it ran before (so a test can assert the race was played out).

    It works at the driver, below any code under test: it catches a select-then-insert
    (its lookup found nothing, then the row is there) as well as an insert-on-conflict.
    `sql` takes `?` placeholders and `params` may hold datetimes, on either database.
    """
    happened: list[str] = []
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        # asyncpg numbers its placeholders; no `?` stands inside a literal of ours.
        numbers = iter(range(1, sql.count("?") + 1))
        sql = re.sub(r"\?", lambda _match: f"${next(numbers)}", sql)
    else:
        # As SQLAlchemy stores a DateTime in SQLite: what another transaction would write.
        params = [
            value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
            for value in params
        ]

    def before_cursor_execute(
        conn: Connection, _cursor: Any, statement: str, *_args: Any, **_kw: Any
    ) -> None:
        if happened or not statement.lstrip().startswith(before):
            return
        happened.append(statement)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
        finally:
            cursor.close()

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield happened
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


def case_changed_meanwhile(
    monkeypatch: pytest.MonkeyPatch, reader: str, by: str, **values: Any
) -> list[int]:
    """After the next call of `storage.cases.<reader>` that finds a case, `by` changes that
    case first, as a transaction committed meanwhile would: `values` written, the version
    moved on, and a status change recorded in its history. Gives back the id of the case
    it happened to."""
    happened: list[int] = []
    real_reader = getattr(cases, reader)

    async def read(session: Any, *args: Any, **kwargs: Any) -> Any:
        found = await real_reader(session, *args, **kwargs)
        first = found[0] if isinstance(found, list) and found else found
        if isinstance(first, Case) and not happened:
            happened.append(first.id)
            await session.execute(
                update(Case)
                .where(Case.id == first.id)
                .values(version=Case.version + 1, **values)
                .execution_options(synchronize_session=False)
            )
            if "status" in values:
                await cases.add_event(
                    session,
                    first.id,
                    at=datetime.now(UTC),
                    actor=by,
                    action=values["status"],
                    from_status=first.status,
                    to_status=values["status"],
                )
        return found

    monkeypatch.setattr(cases, reader, read)
    return happened
