"""SQLite files: a consistent copy of a running database, checks of a copy, the swap back.

Everything here is blocking file and sqlite3 work, for the CLI (run it in a thread).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import is_sqlite

# Pages copied per step, and the pause between steps, so Balai's own writes go on.
PAGES_PER_STEP = 1024
STEP_PAUSE_SECONDS = 0.01
# A write by Balai between two steps restarts a stepped copy. After this many restarts the
# rest is taken in one step: one read transaction, which in WAL mode blocks no writer.
MAX_RESTARTS = 5
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupRestarted(Exception):
    """Balai wrote faster than the stepped copy could finish."""


class NotBalaiDatabase(Exception):
    """The file is not an SQLite database holding Balai's schema version; the argument
    says why: one of the reasons below."""


NOT_SQLITE, DAMAGED, NO_VERSION = "not-sqlite", "damaged", "no-version"


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for another database or an in-memory one."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def backup(source: Path, target: Path) -> None:
    """Copy `source` into `target` (which must not exist) as one consistent snapshot."""
    try:
        _copy(source, target, PAGES_PER_STEP)
    except BackupRestarted:
        target.unlink(missing_ok=True)
        _copy(source, target, -1)


def _copy(source: Path, target: Path, pages: int) -> None:
    restarts = 0
    last_remaining: int | None = None

    def progress(_status: int, remaining: int, _total: int) -> None:
        nonlocal restarts, last_remaining
        if last_remaining is not None and remaining > last_remaining:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise BackupRestarted()
        last_remaining = remaining

    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=pages, progress=progress, sleep=STEP_PAUSE_SECONDS)
        finally:
            dst.close()
    finally:
        src.close()


def revision(path: Path) -> str:
    """The Alembic revision a Balai database file holds; NotBalaiDatabase otherwise."""
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotBalaiDatabase(NOT_SQLITE)
    # Read-only and immutable: looking at a copy leaves no -wal or -shm beside it.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise NotBalaiDatabase(DAMAGED)
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        # No alembic_version table, or a file SQLite cannot read.
        raise NotBalaiDatabase(NO_VERSION) from exc
    finally:
        connection.close()
    if row is None:
        raise NotBalaiDatabase(NO_VERSION)
    return str(row[0])


def in_use(path: Path) -> bool:
    """Whether another connection has the database open.

    In WAL mode the last connection to close folds the log back into the file and deletes
    it: open and close one, and a log still there belongs to someone else (a running Balai
    holds its connection for as long as it runs).
    """
    if not path.exists():
        return False
    connection = sqlite3.connect(path)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    return Path(f"{path}-wal").exists()


def swap_in(copy: Path, database: Path, stamp: str) -> Path | None:
    """Put a copy of `copy` in place of `database`; the replaced file is kept beside it
    as `<database>.before-restore-<stamp>` (returned; None if there was none)."""
    staged = database.with_name(f"{database.name}.restoring")
    staged.unlink(missing_ok=True)
    # A fresh single file from the copy (any log it had is folded in, as in a backup).
    backup(copy, staged)
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        os.replace(database, kept)
    for leftover in (f"{database}-wal", f"{database}-shm"):
        Path(leftover).unlink(missing_ok=True)
    os.replace(staged, database)
    return kept
