"""The migration tests start from an empty database, not from the migrated template."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.conftest import POSTGRES_URL, copy_of_template, on_postgres


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A path where no SQLite database exists yet, in both passes: SQLite's own machinery."""
    return f"sqlite+aiosqlite:///{tmp_path / 'balai.db'}"


@pytest.fixture
def db_url(sqlite_url: str) -> Iterator[str]:
    """An empty database of this pass: the tests migrate it from nothing."""
    if not on_postgres():
        yield sqlite_url
        return
    url = asyncio.run(postgres.empty(POSTGRES_URL))
    yield url
    asyncio.run(postgres.drop(POSTGRES_URL, url))


@pytest.fixture
def migrated_db_url(tmp_path: Path, migrated_template: Path | str) -> Iterator[str]:
    """A database of this pass at the newest schema, as the other folders' `db_url`."""
    yield from copy_of_template(tmp_path, migrated_template)
