"""What one message costs the database: a typical form step needs a handful of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.app import Core
from tests.helpers import Person, fill_registration


@contextmanager
def statements(core: Core) -> Iterator[list[str]]:
    """The SQL statements run while the block runs (BEGIN included)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0].upper())

    event.listen(core.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", note)


async def test_a_typical_form_step_reads_once_and_writes_once(core):
    siti = Person(core)
    await fill_registration(siti, until="rtrw")
    with statements(core) as typed:
        await siti.says("003/005")
    assert "HP" in siti.text or "telepon" in siti.text.lower()
    # BEGIN, the person's identity with their conversation and resident record (one
    # query), the conversation saved (an upsert).
    assert typed == ["BEGIN", "SELECT", "INSERT"]

    with statements(core) as wrong:
        await siti.says("nomor saya rahasia")
    # The same read, and nothing to write: the person is still at the same question.
    assert wrong == ["BEGIN", "SELECT"]


async def test_a_command_outside_any_form_writes_nothing(core):
    siti = Person(core)
    await siti.says("/start")
    with statements(core) as menu:
        await siti.says("/menu")
    assert menu == ["BEGIN", "SELECT"]
