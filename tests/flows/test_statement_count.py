"""What one message costs the database: a typical form step needs a handful of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.app import Core
from tests.helpers import Person, fill_registration


@contextmanager
def statements(core: Core) -> Iterator[list[str]]:
    """The SQL statements run while the block runs, each transaction's BEGIN included.

    SQLite's BEGIN IMMEDIATE is a statement; asyncpg begins without one, so every
    transaction is counted from SQLAlchemy's begin event instead, on both databases.
    """
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        verb = statement.split()[0].upper()
        if verb != "BEGIN":
            seen.append(verb)

    def began(_conn) -> None:  # type: ignore[no-untyped-def]
        seen.append("BEGIN")

    engine = core.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "begin", began)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "begin", began)


def lock(core: Core) -> list[str]:
    """PostgreSQL's row lock on the person, a statement before the read (storage.people);
    SQLite's BEGIN IMMEDIATE is the lock there."""
    return [] if core.engine.dialect.name == "sqlite" else ["SELECT"]


async def test_a_typical_form_step_reads_once_and_writes_once(core):
    siti = Person(core)
    await fill_registration(siti, until="rtrw")
    with statements(core) as typed:
        await siti.says("003/005")
    assert "HP" in siti.text or "telepon" in siti.text.lower()
    # BEGIN, the person's identity with their conversation and resident record (one
    # query), the conversation saved (an upsert).
    assert typed == ["BEGIN", *lock(core), "SELECT", "INSERT"]

    with statements(core) as wrong:
        await siti.says("nomor saya rahasia")
    # The same read, and nothing to write: the person is still at the same question.
    assert wrong == ["BEGIN", *lock(core), "SELECT"]


async def test_a_command_outside_any_form_writes_nothing(core):
    siti = Person(core)
    await siti.says("/start")
    with statements(core) as menu:
        await siti.says("/menu")
    assert menu == ["BEGIN", *lock(core), "SELECT"]
