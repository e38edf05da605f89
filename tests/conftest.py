"""Shared fixtures: a real SQLite file per test, the real flows, and no network but loopback."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Core, build_core
from bot.config import load_villages
from bot.settings import Settings, load_settings
from storage.migrate import upgrade_to_head
from tests import postgres
from tests.handlers.fake_bot_api import FakeBotApi
from tests.helpers import FakeOfficials, media_folder, media_folders

ROOT = Path(__file__).resolve().parent.parent
TWO_VILLAGES = ROOT / "tests" / "fixtures" / "two_villages.toml"
EXAMPLE = ROOT / "balai.example.toml"


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return isinstance(address, (str, bytes))  # a Unix socket path is local
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test that made it."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in (None, "localhost") and not _is_loopback((host,)):
            raise AssertionError(f"test tried to resolve a network name: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


# A PostgreSQL server to run the suite on instead of SQLite files (`make test-postgres`,
# and CI's second pass): a URL whose user may create databases, e.g.
# postgresql+asyncpg://postgres@127.0.0.1:55432/postgres.
POSTGRES_URL = os.environ.get("BALAI_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return POSTGRES_URL.startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the PostgreSQL-only tests out of a SQLite pass (left out, not skipped: with
    CI=true a skip fails the run, and CI runs them in its PostgreSQL pass)."""
    if on_postgres():
        return
    left_out = [item for item in items if item.get_closest_marker("postgres_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run: the template of both passes' SQLite tests."""
    path = tmp_path_factory.mktemp("template") / "balai.db"
    asyncio.run(upgrade_to_head(f"sqlite+aiosqlite:///{path}"))
    # Closed cleanly, so the one file holds everything: no write-ahead log to copy with it.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def migrated_template(request: pytest.FixtureRequest) -> Path | str:
    """One database migrated with Alembic once per run; every test gets its own copy.

    The migrations from an empty database are tested for real in tests/storage/.
    """
    if on_postgres():
        return asyncio.run(postgres.migrated_template(POSTGRES_URL))
    template: Path = request.getfixturevalue("sqlite_template")
    return template


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path | str) -> Iterator[str]:
    """A real database for this test alone, already at the newest schema."""
    yield from copy_of_template(tmp_path, migrated_template)


def copy_of_template(tmp_path: Path, migrated_template: Path | str) -> Iterator[str]:
    """The URL of a copy of the template, dropped (PostgreSQL) after the test."""
    if isinstance(migrated_template, str):
        url = asyncio.run(postgres.copy_of(POSTGRES_URL, migrated_template))
        media_folders[url] = tmp_path / "media"
        yield url
        asyncio.run(postgres.drop(POSTGRES_URL, url))
        return
    path = tmp_path / "balai.db"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def sqlite_db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A SQLite file at the newest schema in both passes: for tests of SQLite's machinery."""
    path = tmp_path / "sqlite.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def settings_for(db_url: str, config: Path = TWO_VILLAGES, **extra: str) -> Settings:
    env = {
        "BALAI_DATABASE_URL": db_url,
        "BALAI_CONFIG": str(config),
        "BALAI_MEDIA_DIR": str(media_folder(db_url)),
        **extra,
    }
    return load_settings(env)


@pytest.fixture
def officials() -> FakeOfficials:
    return FakeOfficials()


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    """Telegram's Bot API, faked on 127.0.0.1."""
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def core(db_url: str, clock: Clock, officials: FakeOfficials) -> AsyncIterator[Core]:
    """Two villages, a real SQLite file at the newest schema, the real runner."""
    built = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def one_village_core(
    db_url: str, clock: Clock, officials: FakeOfficials
) -> AsyncIterator[Core]:
    built = await build_core(
        settings_for(db_url, EXAMPLE), officials, admin_channel="telegram", clock=clock
    )
    yield built
    await built.close()


@pytest.fixture
def two_villages() -> object:
    return load_villages(TWO_VILLAGES)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """With CI=true a skipped test fails the run: what is hard must not quietly not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped and os.environ.get("CI") == "true":
        terminalreporter.write_line(f"CI: {len(skipped)} skipped test(s) count as failures")


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if (
        os.environ.get("CI") == "true"
        and reporter is not None
        and reporter.stats.get("skipped")
        and exitstatus == 0
    ):
        session.exitstatus = 1
