"""The app factory: settings and config in, a ready Balai core out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import load_villages
from bot.errors import SetupError
from bot.i18n import SUPPORTED, translations
from bot.settings import Settings
from flows import announce, cases, complaints, info, letters, market, residents
from flows.common.villages import Villages
from flows.engine import menu
from flows.engine.catalog import Catalog, CatalogError
from flows.engine.context import OfficialDirectory, Services
from flows.engine.runner import Runner
from storage import villages as village_rows
from storage.clock import utcnow
from storage.db import create_engine, session_factory
from storage.media import MediaStore
from storage.migrate import upgrade_to_head

log = logging.getLogger(__name__)

# Each package's capability; the main menu's order comes from the intents' ranks.
CAPABILITIES = (
    residents.CAPABILITY,
    letters.CAPABILITY,
    complaints.CAPABILITY,
    market.CAPABILITY,
    announce.CAPABILITY,
    cases.CAPABILITY,
    info.CAPABILITY,
    menu.CAPABILITY,
)


@dataclass
class Core:
    """Everything channels share: database, services, the runner."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    runner: Runner
    # Set when messages were put in the outbox: its worker delivers them without waiting.
    outbox_wake: asyncio.Event

    async def close(self) -> None:
        await self.engine.dispose()


def catalog() -> Catalog:
    """Everything the capabilities contribute; two claiming one name stop startup."""
    try:
        return Catalog(CAPABILITIES)
    except CatalogError as exc:
        raise SetupError(f"Balai's capabilities do not fit together: {exc}.") from exc


async def build_core(
    settings: Settings,
    officials_directory: OfficialDirectory,
    *,
    admin_channel: str,
    villages: Villages | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Core:
    """Migrate the database to the newest schema, sync villages, and wire the flows.

    Balai migrates at startup: village deployments rarely have someone to run a
    separate upgrade step, and the migrations are safe to apply on every start.
    """
    villages = villages if villages is not None else load_villages(settings.config_path)
    _check_catalogues()
    try:
        await upgrade_to_head(settings.database_url)
    except Exception as exc:
        raise SetupError(
            f"Could not prepare the database at BALAI_DATABASE_URL ({type(exc).__name__}: "
            f"{exc}). Check that the location is writable or the server is reachable."
        ) from exc
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        ids = await village_rows.sync(session, [(v.code, v.name) for v in villages])
    services = Services(
        villages=villages,
        village_ids=ids,
        translations=translations,
        officials=officials_directory,
        clock=clock,
        catalog=catalog(),
        admin_channel=admin_channel,
        locales=SUPPORTED,
        media=MediaStore(settings.media_dir, settings.media_max_mb * 1024 * 1024),
        public_url=settings.public_url or "",
    )
    wake = asyncio.Event()
    return Core(engine, sessions, services, Runner(services, sessions, wake.set), wake)


def _check_catalogues() -> None:
    try:
        translations("id")
    except OSError as exc:
        raise SetupError(
            "The Indonesian message catalogue is missing. In a checkout, run `make i18n` "
            "(or `pybabel compile -d locales`) and start again; an installed Balai carries "
            "it, so reinstall the package."
        ) from exc
