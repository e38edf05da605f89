"""`balai db backup|restore`: a copy taken while Balai writes, and putting one back."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.app import build_core
from bot.cli import main
from bot.dbtools import restore_database
from storage import backup
from storage.migrate import HEAD_REVISION, current_revision
from tests.conftest import EXAMPLE, settings_for
from tests.helpers import FakeOfficials, outbox


@pytest.fixture
def db_url(sqlite_db_url: str) -> str:
    """SQLite's online backup and its file restored, in the PostgreSQL pass too."""
    return sqlite_db_url


def _file(db_url: str) -> Path:
    return Path(db_url.split("///", 1)[1])


def _use(monkeypatch: pytest.MonkeyPatch, db_url: str, config: Path = EXAMPLE) -> None:
    monkeypatch.setenv("BALAI_DATABASE_URL", db_url)
    monkeypatch.setenv("BALAI_CONFIG", str(config))


def _write_pairs(
    path: Path, stop: threading.Event, written: list[int], sized: threading.Event
) -> None:
    """Another process's writes: two outbox rows per transaction, as fast as it can."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        n = 0
        while not stop.is_set():
            connection.execute("BEGIN IMMEDIATE")
            for half in ("a", "b"):
                connection.execute(
                    "INSERT INTO outbox (channel, chat_id, payload, dedupe_key, status, attempts,"
                    " next_attempt_at, created_at, priority) VALUES ('telegram', '1', ?, ?,"
                    " 'sent', 1, '2026-11-22 04:00:00', '2026-11-22 04:00:00', 0)",
                    ('{"text": "' + "x" * 2000 + '"}', f"pair:{n}:{half}"),
                )
            connection.execute("COMMIT")
            written.append(n)
            n += 1
            if n == 300:  # a database of some size before the copy starts
                sized.set()
    finally:
        connection.close()


async def test_backup_taken_while_writing_restores_to_a_database_balai_starts_on(
    db_url, tmp_path, monkeypatch, capsys
):
    # Few pages per step, so writes land between the steps and the copy must cope.
    monkeypatch.setattr(backup, "PAGES_PER_STEP", 4)
    _use(monkeypatch, db_url)
    stop, sized, written = threading.Event(), threading.Event(), []
    writer = asyncio.create_task(
        asyncio.to_thread(_write_pairs, _file(db_url), stop, written, sized)
    )
    assert await asyncio.to_thread(sized.wait, 30)
    target = tmp_path / "cadangan.db"
    before = len(written)
    try:
        assert await asyncio.to_thread(main, ["db", "backup", str(target)]) == 0
        after = len(written)
    finally:
        stop.set()
        await writer
    assert after > before  # the copy did not lock the writer out
    shown = capsys.readouterr().out
    assert "Cadangan ditulis ke" in shown and f"revisi skema {HEAD_REVISION}" in shown

    fresh = f"sqlite+aiosqlite:///{tmp_path / 'pulih' / 'balai.db'}"
    _file(fresh).parent.mkdir()
    _use(monkeypatch, fresh)
    assert await asyncio.to_thread(main, ["db", "restore", str(target), "--yes"]) == 0
    assert await current_revision(fresh) == HEAD_REVISION
    core = await build_core(settings_for(fresh, EXAMPLE), FakeOfficials(), admin_channel="telegram")
    try:
        keys = [m.dedupe_key for m in await outbox(core)]
    finally:
        await core.close()
    pairs = {int(k.split(":")[1]) for k in keys}
    # Every transaction whole, none torn, and at least those committed before the copy.
    assert len(keys) == 2 * len(pairs)
    assert pairs == set(range(len(pairs))) and len(pairs) >= before


async def test_backup_does_not_overwrite_a_file_without_force(db_url, tmp_path, monkeypatch):
    _use(monkeypatch, db_url)
    target = tmp_path / "ada.db"
    target.write_bytes(b"earlier backup")
    assert await asyncio.to_thread(main, ["db", "backup", str(target)]) == 2
    assert target.read_bytes() == b"earlier backup"
    assert await asyncio.to_thread(main, ["db", "backup", str(target), "--force"]) == 0
    assert backup.revision(target) == HEAD_REVISION


async def test_backup_on_postgresql_without_pg_dump_says_how(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BALAI_DATABASE_URL", "postgresql+asyncpg://balai:rahasia@db.local/balai")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    assert await asyncio.to_thread(main, ["db", "backup", str(tmp_path / "b.dump")]) == 1
    shown = capsys.readouterr().out
    assert "pg_dump belum terpasang" in shown and "postgresql-client" in shown
    assert "--format=custom" in shown and "rahasia" not in shown
    assert not (tmp_path / "b.dump").exists()


async def test_restore_refuses_a_file_that_is_not_balais(db_url, tmp_path, monkeypatch, capsys):
    _use(monkeypatch, db_url)
    before = _file(db_url).read_bytes()
    text = tmp_path / "catatan.db"
    text.write_text("bukan basis data")
    other = tmp_path / "lain.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    for file in (text, other):
        assert await asyncio.to_thread(main, ["db", "restore", str(file), "--yes"]) == 2
        assert "bukan basis data Balai" in capsys.readouterr().err
    assert _file(db_url).read_bytes() == before
    assert not list(tmp_path.glob("*.before-restore-*"))


async def test_restore_refuses_a_newer_schema_revision(db_url, tmp_path, monkeypatch, capsys):
    _use(monkeypatch, db_url)
    newer = tmp_path / "baru.db"
    newer.write_bytes(_file(db_url).read_bytes())
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    connection.close()
    assert await asyncio.to_thread(main, ["db", "restore", str(newer), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "0999" in err and "lebih baru" in err
    assert not list(_file(db_url).parent.glob("*.before-restore-*"))


async def test_restore_asks_for_the_village_name_and_keeps_the_replaced_file(db_url, tmp_path):
    settings = settings_for(db_url, EXAMPLE)
    database = _file(db_url)
    copy = tmp_path / "cadangan.db"
    await asyncio.to_thread(backup.backup, database, copy)
    database.write_bytes(copy.read_bytes())  # the same content; only the swap is checked
    prompts: list[str] = []

    def answer(text: str):  # type: ignore[no-untyped-def]
        def ask(prompt: str) -> str:
            prompts.append(prompt)
            return text

        return ask

    refused = await asyncio.to_thread(restore_database, settings, copy, ask=answer("ya"))
    assert refused == 1 and "Ketik Sukamaju" in prompts[0]
    assert not list(database.parent.glob("*.before-restore-*"))
    assert await asyncio.to_thread(restore_database, settings, copy, ask=answer("sukamaju")) == 0
    [kept] = database.parent.glob(f"{database.name}.before-restore-*")
    assert backup.revision(kept) == HEAD_REVISION and backup.revision(database) == HEAD_REVISION


async def test_restore_refuses_while_balai_has_the_database_open(
    one_village_core, db_url, tmp_path, monkeypatch, capsys
):
    _use(monkeypatch, db_url)
    copy = tmp_path / "cadangan.db"
    await asyncio.to_thread(backup.backup, _file(db_url), copy)
    assert await asyncio.to_thread(main, ["db", "restore", str(copy), "--yes"]) == 2
    assert "sedang dipakai" in capsys.readouterr().err
    assert not list(_file(db_url).parent.glob("*.before-restore-*"))
