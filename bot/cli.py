"""`balai ...`: run on Telegram, run the demo, migrate, check the config."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import load_villages, load_whatsapp_templates
from bot.errors import SetupError
from bot.export import export_records, exports
from bot.runtime import serve_telegram
from bot.settings import (
    DEFAULT_CONFIG,
    Settings,
    bundled_example,
    configure_logging,
    load_settings,
)
from storage.migrate import upgrade_to_head


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return int(args.handler(args, settings))
    except SetupError as exc:
        print(f"balai: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="balai", description="Balai: village services in chat.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="serve residents and officials on Telegram")
    run.add_argument("--webhook", action="store_true", help="receive updates over HTTPS")
    run.set_defaults(handler=_run)

    demo = commands.add_parser("demo", help="the web simulator, no Telegram needed")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--host", default="127.0.0.1")
    demo.set_defaults(handler=_demo)

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(handler=_db_upgrade)
    backup = db_commands.add_parser("backup", help="copy the database (safe while Balai runs)")
    backup.add_argument("file", type=Path)
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(handler=_db_backup)
    restore = db_commands.add_parser("restore", help="put a backup back (SQLite; stop Balai)")
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(handler=_db_restore)

    dead = commands.add_parser("outbox", help="messages Balai gave up sending")
    dead.set_defaults(handler=_outbox_list)
    dead_commands = dead.add_subparsers(dest="outbox_command")
    retry = dead_commands.add_parser("retry", help="send undelivered messages again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=int, nargs="?", help="the message's ID from `balai outbox`")
    which.add_argument("--all", action="store_true", help="every undelivered message")
    retry.set_defaults(handler=_outbox_retry)

    export = commands.add_parser("export", help="write records as CSV")
    export.add_argument("what", choices=exports())
    export.add_argument("--village", required=True, help="Kemendagri code, e.g. 18.04.07.2001")
    export.add_argument("--since", help="only records created on or after this date (YYYY-MM-DD)")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=_export)

    check = commands.add_parser("check-config", help="validate the config and list villages")
    check.set_defaults(handler=_check_config)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    settings.require_token()
    return _until_signal(lambda stop: serve_telegram(settings, stop, webhook=args.webhook))


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    # Trying Balai needs no config: without one, the demo runs the example village.
    bundled = not settings.config_given and not settings.config_path.exists()
    if bundled:
        settings = replace(settings, config_path=bundled_example())
    villages = load_villages(settings.config_path)  # a mistake shows before the address
    if bundled:
        names = ", ".join(f"Desa {v.name} (Kec. {v.kecamatan}, {v.kabupaten})" for v in villages)
        print(
            f"No config file found (BALAI_CONFIG / {DEFAULT_CONFIG}): running the bundled "
            f"example village {names}.\n"
            f"To demo your own village, copy {settings.config_path} to {DEFAULT_CONFIG} "
            "and edit it.",
            flush=True,
        )
    print(f"Balai simulator: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    # Imported here: `balai run` does not carry the simulator's web server in memory.
    from bot.demo import serve_demo

    return _until_signal(lambda stop: serve_demo(settings, args.port, stop, host=args.host))


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(upgrade_to_head(settings.database_url))
    print("Database is up to date.")
    return 0


def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.dbtools import backup_database

    return asyncio.run(backup_database(settings, args.file, force=args.force))


def _db_restore(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: `balai run` never carries these commands (nor Alembic) in memory.
    from bot.dbtools import restore_database

    return restore_database(settings, args.file, yes=args.yes)


def _outbox_list(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.deadletters import list_dead_letters

    return asyncio.run(list_dead_letters(settings))


def _outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from bot.deadletters import retry_dead_letters

    return asyncio.run(retry_dead_letters(settings, None if args.all else args.id))


def _export(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(export_records(settings, args.what, args.village, args.since, args.out))


def _check_config(_args: argparse.Namespace, settings: Settings) -> int:
    villages = load_villages(settings.config_path)
    print(f"{settings.config_path}: {len(villages)} village(s)")
    for v in villages:
        print(
            f"  {v.code}  Desa {v.name}, Kec. {v.kecamatan}, {v.kabupaten}  "
            f"({v.zone_abbreviation}, admin chat {v.admin_chat_id}, {len(v.dusun)} dusun, "
            f"{len(v.letters)} letters)"
            + (
                f", own WhatsApp number {v.whatsapp_phone_number_id}"
                if v.whatsapp_phone_number_id
                else ""
            )
        )
    # Only whether, and which number: never the token or secrets.
    whatsapp = settings.whatsapp
    if whatsapp is None:
        print("WhatsApp: not configured (Telegram only)")
    else:
        print(
            f"WhatsApp: configured, phone number id {whatsapp.phone_number_id}, "
            f"API {whatsapp.base}, webhook path /whatsapp/webhook"
        )
    # Checked with or without WhatsApp on: a mistake here would stop `balai run` later.
    templates = load_whatsapp_templates(settings.config_path)
    named = ", ".join(f"{purpose} = {t.name} ({t.language})" for purpose, t in templates.items())
    print(f"WhatsApp templates: {named or 'none (outside the 24-hour window, notifications wait)'}")
    return 0


def _until_signal(serve: Any) -> int:
    async def body() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        coroutine: Coroutine[Any, Any, None] = serve(stop)
        await coroutine

    asyncio.run(body())
    return 0
