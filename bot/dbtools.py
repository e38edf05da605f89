"""`balai db backup|restore`: a consistent copy of the database, and putting one back."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from babel.numbers import format_decimal
from sqlalchemy.engine import URL, make_url

from bot.config import load_villages
from bot.errors import SetupError
from bot.i18n import operator_gettext as _
from bot.settings import Settings
from storage import backup
from storage.migrate import HEAD_REVISION, current_revision, known_revisions


def size_text(size: int) -> str:
    """A file size as people say it: 812 KB, 12,3 MB."""
    if size < 1_000_000:
        return f"{format_decimal(max(size / 1000, 0.1), '#,##0.#', locale='id')} KB"
    return f"{format_decimal(size / 1_000_000, '#,##0.#', locale='id')} MB"


async def backup_database(settings: Settings, target: Path, *, force: bool = False) -> int:
    """Write a copy of the database to `target` while Balai may be running."""
    source = backup.sqlite_file(settings.database_url)
    if source is None:
        return await _pg_dump(settings, target, force=force)
    # A thread: the copy pauses between steps so a running Balai keeps writing meanwhile.
    size, revision = await asyncio.to_thread(_copy_sqlite, source, target, force)
    print(
        _("Backup written to {file}: {size}, schema revision {revision}.").format(
            file=target, size=size_text(size), revision=revision
        )
    )
    print(
        _("Copy the media folder {folder} along with it: the database refers to its files.").format(
            folder=settings.media_dir
        )
    )
    return 0


def _copy_sqlite(source: Path, target: Path, force: bool) -> tuple[int, str]:
    """Copy into `target` through a partial file; return its size and schema revision."""
    if not source.is_file():
        raise SetupError(
            _("There is no database at {path} (BALAI_DATABASE_URL).").format(path=source)
        )
    _check_target(target, force)
    if target.resolve() == source.resolve():
        raise SetupError(_("The backup file cannot be the database itself."))
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        backup.backup(source, partial)
        revision = backup.revision(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size, revision


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise SetupError(
            _(
                "{file} already exists. Choose another file name, or add --force to replace it."
            ).format(file=target)
        )


async def _pg_dump(settings: Settings, target: Path, *, force: bool) -> int:
    """PostgreSQL's own tool, in its custom format (pg_restore reads it)."""
    url = make_url(settings.database_url)
    # libpq's form of the address; the password goes in the environment, never argv (ps).
    conninfo = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database
    ).render_as_string(hide_password=False)
    program = shutil.which("pg_dump")
    if program is None:
        print(
            _(
                "pg_dump is not installed on this machine, so no backup was taken. Install "
                "it (Debian: sudo apt install postgresql-client), then run this again; or "
                "take one yourself where pg_dump is:\n"
                "  pg_dump --format=custom --file={file} --dbname={conninfo}"
            ).format(file=target, conninfo=conninfo)
        )
        return 1
    _check_target(target, force)
    partial = target.with_name(f"{target.name}.partial")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    command = [program, "--format=custom", f"--file={partial}", f"--dbname={conninfo}"]
    try:
        done = await asyncio.to_thread(subprocess.run, command, env=env, check=False)
        if done.returncode != 0:
            print(
                _("pg_dump stopped with an error (exit code {code}); no backup was taken.").format(
                    code=done.returncode
                )
            )
            return 1
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    revision = await current_revision(settings.database_url)
    size = await asyncio.to_thread(lambda: target.stat().st_size)
    print(
        _("Backup written to {file}: {size}, schema revision {revision}.").format(
            file=target, size=size_text(size), revision=revision or "-"
        )
    )
    return 0


def deployment_name(settings: Settings, database: Path) -> str:
    """What the operator types to confirm a restore: the village's name when the config
    holds one, the shared kabupaten of several, else the database file's name."""
    try:
        villages = load_villages(settings.config_path)
    except SetupError:
        return database.stem
    only = villages.only()
    if only is not None:
        return only.name
    kabupaten = {v.kabupaten for v in villages}
    return kabupaten.pop() if len(kabupaten) == 1 else database.stem


def restore_database(
    settings: Settings,
    source: Path,
    *,
    yes: bool = False,
    ask: Callable[[str], str] = input,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Put a backup back in place of the SQLite database, keeping the replaced file."""
    database = backup.sqlite_file(settings.database_url)
    if database is None:
        raise SetupError(
            _(
                "balai db restore works on SQLite. On PostgreSQL, stop Balai and use "
                "pg_restore: pg_restore --clean --if-exists --dbname=<database> {file}"
            ).format(file=source)
        )
    if not source.is_file():
        raise SetupError(_("{file} not found.").format(file=source))
    try:
        revision = backup.revision(source)
    except backup.NotBalaiDatabase as exc:
        reasons = {
            backup.NOT_SQLITE: _("not an SQLite file"),
            backup.DAMAGED: _("the file is damaged"),
            backup.NO_VERSION: _("it holds no Balai schema revision"),
        }
        raise SetupError(
            _("{file} is not a Balai database ({reason}); nothing was changed.").format(
                file=source, reason=reasons.get(str(exc), str(exc))
            )
        ) from exc
    # Alembic's start-up chatter is not for the operator here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if revision not in known_revisions():
        raise SetupError(
            _(
                "{file} holds schema revision {revision}, which this Balai does not know "
                "(its newest is {head}): it comes from a newer Balai, or is not Balai's. "
                "Install that newer Balai first; nothing was changed."
            ).format(file=source, revision=revision, head=HEAD_REVISION)
        )
    if backup.in_use(database):
        raise SetupError(
            _(
                "The database {path} is in use: stop Balai first (for example "
                "systemctl stop balai), then restore again. Nothing was changed."
            ).format(path=database)
        )
    if not yes:
        name = deployment_name(settings, database)
        prompt = _("This replaces the database {path} with {file}. Type {name} to go on: ")
        try:
            typed = ask(prompt.format(path=database, file=source, name=name))
        except EOFError:
            typed = ""
        if typed.strip().casefold() != name.casefold():
            print(_("Not restored: what was typed is not {name}.").format(name=name))
            return 1
    kept = backup.swap_in(source, database, now().strftime("%Y%m%dT%H%M%SZ"))
    print(
        _("Restored {file} (schema revision {revision}) to {path}.").format(
            file=source, revision=revision, path=database
        )
    )
    if kept is not None:
        print(_("The replaced database is kept as {kept}.").format(kept=kept))
    if revision != HEAD_REVISION:
        print(_("Balai brings it to the newest schema when it starts."))
    print(
        _("Put back the media folder {folder} from the same backup.").format(
            folder=settings.media_dir
        )
    )
    return 0
