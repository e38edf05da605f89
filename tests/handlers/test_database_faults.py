"""The database busy or briefly unreachable: the apology, nothing half-written, and the
person carries on where they were once it is back."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.app import build_core
from storage import sqlite_inline
from storage.models import Citizen, Conversation, OutboxMessage
from tests.conftest import settings_for
from tests.helpers import Person, fill_registration, rows, stored

NIK = "1804074107900002"
APOLOGY = "Maaf, terjadi gangguan di sistem kami"


@contextlib.asynccontextmanager
async def write_locked(path: Path) -> AsyncIterator[None]:
    """Another process's writer (a backup, a CLI command) holding SQLite's write lock."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            taken.set()
            release.wait()
            other.execute("ROLLBACK")
        finally:
            other.close()

    holder = asyncio.create_task(asyncio.to_thread(hold))
    await asyncio.to_thread(taken.wait)
    try:
        yield
    finally:
        release.set()
        await holder


def _counts(path: Path) -> dict[str, int]:
    """Rows as another reader sees them, without waiting for the lock (WAL lets it)."""
    reader = sqlite3.connect(path)
    try:
        return {
            table: reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("citizens", "outbox")
        }
    finally:
        reader.close()


def _stored_step(path: Path) -> tuple[str, str]:
    reader = sqlite3.connect(path)
    try:
        flow, step = reader.execute("SELECT flow, step FROM conversations").fetchone()
        return str(flow), str(step)
    finally:
        reader.close()


async def test_a_locked_sqlite_database_gets_the_apology_and_loses_no_answer(
    sqlite_db_url, clock, officials, monkeypatch
):
    # The lock outlasts Balai's wait for it (made short here: seconds in production).
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_SECONDS", 0.2)
    path = Path(make_url(sqlite_db_url).database or "")
    core = await build_core(
        settings_for(sqlite_db_url), officials, admin_channel="telegram", clock=clock
    )
    try:
        siti = Person(core)
        await fill_registration(siti, until="nik")
        assert "Langkah 4 dari 7" in siti.text
        async with write_locked(path):
            await siti.says(NIK)
            assert APOLOGY in siti.text
            assert "Jawaban Anda sebelumnya tetap" in siti.text
            assert _stored_step(path) == ("registration", "nik")
        # The lock is gone: the same answer moves on, with the name given before it.
        await siti.says(NIK)
        assert "Langkah 5 dari 7" in siti.text

        await siti.taps("Krajan")
        await siti.says("003/005")
        await siti.says("081234567890")
        (save,) = [
            b.value for r in siti.replies for row in r.buttons for b in row if "Simpan" in b.label
        ]
        before = _counts(path)
        async with write_locked(path):
            await siti.presses(save)
            assert APOLOGY in siti.text
            # Nothing of the registration was kept: no resident, no card for the officials.
            assert _counts(path) == before
            assert _stored_step(path) == ("registration", "summary")
        await siti.presses(save)
        assert "terdaftar" in siti.text
        (citizen,) = await rows(core, Citizen)
        assert (citizen.full_name, citizen.nik) == ("Siti Aminah", NIK)
        cards = [m for m in await rows(core, OutboxMessage) if m.chat_id == "-1001000000001"]
        assert len(cards) == 1
    finally:
        await core.close()


async def test_a_lock_released_while_balai_waits_gets_the_normal_answer(
    sqlite_db_url, clock, officials
):
    path = Path(make_url(sqlite_db_url).database or "")
    core = await build_core(
        settings_for(sqlite_db_url), officials, admin_channel="telegram", clock=clock
    )
    try:
        siti = Person(core)
        await fill_registration(siti, until="nik")
        async with write_locked(path):
            answer = asyncio.create_task(siti.says(NIK))
            await asyncio.sleep(0.1)  # the answer starts waiting for the lock meanwhile
        await answer
        assert "Langkah 5 dari 7" in siti.text
        assert APOLOGY not in siti.text
    finally:
        await core.close()


class TcpProxy:
    """The way to the database on 127.0.0.1, which the test can cut and restore: a
    restarted server, a failover, a flaky network between Balai and PostgreSQL."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def up(self) -> None:
        self._server = await asyncio.start_server(
            self._pipe, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        """Refuse new connections and drop the open ones."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))
        self._writers -= {writer, upstream_writer}


@pytest.fixture
async def proxied(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, TcpProxy]]:
    """The test's PostgreSQL database, reached through a TcpProxy."""
    url = make_url(db_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.up()
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(False), proxy
    with contextlib.suppress(AssertionError):
        await proxy.down()


@pytest.mark.postgres_only
async def test_postgres_out_of_reach_gets_the_apology_then_carries_on(
    proxied, db_url, clock, officials, tmp_path
):
    url, proxy = proxied
    settings = settings_for(url, BALAI_MEDIA_DIR=str(tmp_path / "media"))
    core = await build_core(settings, officials, admin_channel="telegram", clock=clock)
    try:
        siti = Person(core)
        await fill_registration(siti, until="nik")
        await proxy.down()  # longer than Balai's retries: they all find it out of reach
        await siti.says(NIK)
        assert APOLOGY in siti.text
        await proxy.up()
        # The pool's connections died with the proxy; the next message gets a new one.
        await siti.says(NIK)
        assert "Langkah 5 dari 7" in siti.text
        (conversation,) = await stored(db_url, Conversation)
        assert (conversation.step, conversation.form["full_name"]) == ("dusun", "Siti Aminah")
    finally:
        await core.close()


@pytest.mark.postgres_only
async def test_postgres_connection_lost_mid_transaction_is_retried_once_whole(
    db_url, clock, officials
):
    core = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    try:
        siti = Person(core)
        await fill_registration(siti, until="save")
        (save,) = [
            b.value for r in siti.replies for row in r.buttons for b in row if "Simpan" in b.label
        ]
        cut: list[str] = []

        @event.listens_for(core.engine.sync_engine, "after_cursor_execute")
        def lose_the_connection(conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            # Once, in the middle of the registration's transaction (after the resident's
            # row is written): the server ends the connection, as on a failover.
            if not cut and statement.lstrip().upper().startswith("INSERT INTO CITIZENS"):
                cut.append(statement)
                conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")

        await siti.presses(save)
        event.remove(core.engine.sync_engine, "after_cursor_execute", lose_the_connection)
        assert cut, "the connection was never cut"
        # Tried again whole on a new connection: the normal answer, nothing twice.
        assert "terdaftar" in siti.text
        assert APOLOGY not in siti.text
        assert len(await rows(core, Citizen)) == 1
        cards = [m for m in await rows(core, OutboxMessage) if m.chat_id == "-1001000000001"]
        assert len(cards) == 1
    finally:
        await core.close()
