"""The web simulator: Balai in a browser, no Telegram account needed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from aiohttp import web

from bot.app import build_core
from bot.config import load_villages
from bot.errors import SetupError
from bot.i18n import translations
from bot.outbox import OutboxWorker
from bot.pacing import Sleep
from bot.runtime import with_workers
from bot.settings import Settings
from handlers.catalogue.server import Catalogue, ChatLinks
from handlers.catalogue.server import add_routes as add_catalogue
from handlers.simulator.hub import CHANNEL as SIMULATOR
from handlers.simulator.hub import Hub
from handlers.simulator.officials import SimulatorOfficials, officials_of
from handlers.simulator.server import simulator_app
from handlers.simulator.whatsapp import WHATSAPP, WhatsAppPhone
from handlers.whatsapp.render import labels_from

log = logging.getLogger(__name__)


async def serve_demo(
    settings: Settings,
    port: int,
    stop: asyncio.Event,
    host: str = "127.0.0.1",
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Serve the web simulator until `stop` is set; no Telegram token needed.

    `monotonic` and `sleep` pace the outbox (tests pass a clock that skips the waits).
    """
    hub = Hub()
    villages = load_villages(settings.config_path)
    # The villages' configured contacts act as their officials.
    officials = SimulatorOfficials(officials_of(villages))
    # Shared listings link to the demo's own catalogue pages unless a public address is set.
    public = settings.public_url or f"http://{host}:{port}"
    core = await build_core(
        replace(settings, public_url=public),
        officials,
        admin_channel=SIMULATOR,
        villages=villages,
    )
    gettext = translations("id").gettext
    # Residents may try the phone as WhatsApp users: their notifications come this way.
    whatsapp = WhatsAppPhone(hub, labels_from(gettext))
    worker = OutboxWorker(
        core.sessions,
        {SIMULATOR: hub, WHATSAPP: whatsapp},
        core.services.clock,
        monotonic=monotonic,
        sleep=sleep,
        wake=core.outbox_wake,
    )
    app = simulator_app(core.runner, hub, core.services.villages, gettext, whatsapp)
    # The public catalogue, its buttons leading back into the simulated phone.
    add_catalogue(app, Catalogue(core.sessions, core.services, ChatLinks(simulator=True)))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise SetupError(
                f"Port {port} is in use. Start the demo with another: balai demo --port 8081."
            ) from exc
        log.info("Balai simulator: http://%s:%d", host, port)
        await with_workers(core, worker, stop, keep=timedelta(days=settings.outbox_keep_days))
    finally:
        await runner.cleanup()
        await core.close()
