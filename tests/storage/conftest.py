"""The migration tests start from an empty database, not from the migrated template."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A path where no database exists yet: the tests migrate it from nothing."""
    return f"sqlite+aiosqlite:///{tmp_path / 'balai.db'}"
