"""Running Balai: on Telegram (polling or webhook) or as the web simulator."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from telegram.error import InvalidToken, NetworkError

from bot.app import Core, build_core
from bot.broadcast import ROUND_SECONDS, Dispatcher
from bot.config import load_whatsapp_templates
from bot.crew import Crew
from bot.errors import SetupError
from bot.i18n import translations
from bot.outbox import OutboxWorker
from bot.pacing import Sleep
from bot.prune import PRUNE_SECONDS, Pruner
from bot.reminders import CASE_WATCH_SECONDS, CaseWatch, refresh_held_card
from bot.settings import DEFAULT_OUTBOX_KEEP_DAYS, Settings
from bot.timers import always, repeat
from flows.engine.delivery import Sender
from handlers.telegram.bot import TelegramChannel, build_application
from handlers.telegram.media import TelegramFiles
from handlers.telegram.officials import TelegramOfficials
from handlers.telegram.parse import CHANNEL as TELEGRAM
from handlers.telegram.sender import TelegramSender
from storage.db import is_sqlite

if TYPE_CHECKING:
    from aiohttp import web

    from bot.metrics import Metrics
    from bot.monitor import LocalPort
    from bot.whatsapp import WhatsAppParts
    from handlers.whatsapp.channel import WhatsAppChannel

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30
DRAIN_SECONDS = 20
# The local metrics port answers this machine only (a scraper or a check beside Balai).
METRICS_HOST = "127.0.0.1"


async def serve_telegram(
    settings: Settings,
    stop: asyncio.Event,
    *,
    webhook: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Serve residents and officials on Telegram until `stop` is set.

    `monotonic` and `sleep` pace the outbox (tests pass a clock that skips the waits).
    """
    token = settings.require_token()
    # The public catalogue needs the server too; without it (and without webhooks) a
    # polling Balai never loads aiohttp.
    serves = webhook or settings.whatsapp is not None or bool(settings.public_url)
    # Counted only where they are served: else prometheus_client stays unloaded.
    metrics: Metrics | None = None
    if serves or settings.metrics_port is not None:
        from bot.metrics import BOT_API, Metrics

        metrics = Metrics()
        application = build_application(
            settings.telegram_api_url, token, count_errors=metrics.api_error(BOT_API)
        )
    else:
        application = build_application(settings.telegram_api_url, token)
    core = await build_core(settings, TelegramOfficials(application.bot), admin_channel=TELEGRAM)
    if metrics is not None:
        metrics.attach(core.sessions, core.services.clock)
        core.runner.on_handled = metrics.observe
    files = (
        TelegramFiles(application.bot, core.services.media, core.sessions, core.services.clock)
        if core.services.media is not None
        else None
    )
    channel = TelegramChannel(
        application,
        core.runner,
        translations,
        concurrency=settings.concurrent_updates,
        files=files,
    )
    senders: dict[str, Sender] = {
        TELEGRAM: TelegramSender(application.bot, files, paid_broadcast=settings.paid_broadcast)
    }
    whatsapp: WhatsAppParts | None = None
    if settings.whatsapp is not None:
        from bot.whatsapp import whatsapp_parts  # see bot/whatsapp.py: only when configured

        whatsapp = whatsapp_parts(
            settings.whatsapp,
            core,
            settings.concurrent_updates,
            load_whatsapp_templates(settings.config_path),
        )
        senders[whatsapp.name] = whatsapp.sender
        if metrics is not None:
            from bot.metrics import GRAPH_API

            whatsapp.graph.count_errors = metrics.api_error(GRAPH_API)
    worker = OutboxWorker(
        core.sessions,
        senders,
        core.services.clock,
        monotonic=monotonic,
        sleep=sleep,
        wake=core.outbox_wake,
        claim_for=timedelta(seconds=settings.outbox_claim_seconds),
    )
    worker.on_held = partial(refresh_held_card, core.services, core.sessions, core.outbox_wake)
    if whatsapp is not None:
        # Statuses of sent messages (delivered, read, failed) are recorded on the outbox.
        whatsapp.channel.on_reports = worker.record_reports
    port: LocalPort | None = None
    try:
        try:
            await application.initialize()
        except InvalidToken as exc:
            raise SetupError(
                "Telegram refused BALAI_TELEGRAM_TOKEN. Copy the token again from @BotFather."
            ) from exc
        except NetworkError as exc:
            raise SetupError(
                f"Could not reach the Bot API at {settings.telegram_api_url} "
                f"({type(exc).__name__}). Check the network or BALAI_TELEGRAM_API_URL."
            ) from exc
        await application.start()
        await channel.set_commands()
        site = None
        if serves:
            site = await _start_server(
                settings,
                channel,
                whatsapp.channel if whatsapp else None,
                core,
                telegram=webhook,
                metrics=metrics,
            )
        port = _local_port(settings, metrics)
        if not webhook:
            if application.updater is None:
                raise RuntimeError("the PTB application was built without an updater")
            # Telegram unreachable at startup is waited out, not a crash.
            await application.updater.start_polling(
                timeout=POLL_TIMEOUT_SECONDS, drop_pending_updates=False, bootstrap_retries=-1
            )
        log.info(
            "Balai is running on Telegram%s for %d village(s)",
            " and WhatsApp" if whatsapp is not None else "",
            len(core.services.villages),
        )
        # Several workers share a PostgreSQL database; SQLite has one (bot/crew.py).
        crew = None
        if not is_sqlite(settings.database_url):
            crew = Crew(core.sessions, core.services.clock, channel.window)
        await with_workers(
            core, worker, stop, keep=timedelta(days=settings.outbox_keep_days), crew=crew
        )
        if site is not None:
            await site.stop()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        # Updates already taken from Telegram are handled before Balai stops: Telegram
        # will not send them again.
        await application.stop()
        try:
            await asyncio.wait_for(channel.drain(), DRAIN_SECONDS)
            if whatsapp is not None:
                # Meta was told 200 for these: it will not send them again.
                await asyncio.wait_for(whatsapp.channel.drain(), DRAIN_SECONDS)
        except TimeoutError:
            log.warning("stopped with updates still being handled")
    finally:
        if port is not None:
            await port.stop()
        with suppress(Exception):
            await application.shutdown()
        if whatsapp is not None:
            await whatsapp.graph.close()
        await core.close()


async def _start_server(
    settings: Settings,
    channel: TelegramChannel,
    whatsapp: WhatsAppChannel | None,
    core: Core,
    *,
    telegram: bool,
    metrics: Metrics | None = None,
) -> web.TCPSite:
    """One aiohttp server for the webhooks (Telegram's in webhook mode, WhatsApp's) and the
    public catalogue of each village's Lapak Desa."""
    application = channel.application
    # Imported here: aiohttp's server is memory that polling alone never needs.
    from aiohttp import web

    from handlers.catalogue.server import Catalogue, ChatLinks
    from handlers.catalogue.server import add_routes as add_catalogue
    from handlers.telegram.webhook import PATH, webhook_app
    from handlers.whatsapp.webhook import add_routes
    from handlers.whatsapp.webhook import whatsapp_app as own_app

    if telegram and (not settings.webhook_url or not settings.webhook_secret):
        raise SetupError(
            "Webhook mode needs BALAI_WEBHOOK_URL (the public HTTPS address Telegram calls, "
            f"ending in {PATH}) and BALAI_WEBHOOK_SECRET (a random text of 1-256 letters, "
            "digits, _ or -)."
        )
    account = settings.whatsapp
    if telegram and settings.webhook_secret:
        app = webhook_app(application, settings.webhook_secret, channel.acks)
        if whatsapp is not None and account is not None:
            add_routes(app, whatsapp, account.verify_token, account.app_secret)
    elif whatsapp is not None and account is not None:
        app = own_app(whatsapp, account.verify_token, account.app_secret)
    else:
        app = web.Application()  # the catalogue alone
    # The bot's username is known once PTB has initialised (its getMe).
    chat_links = ChatLinks(
        bot_username=application.bot.username,
        whatsapp_number=settings.whatsapp_number if account is not None else None,
    )
    add_catalogue(app, Catalogue(core.sessions, core.services, chat_links))
    if metrics is not None:
        from bot.monitor import add_routes as add_monitor

        add_monitor(app, metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
    await site.start()
    if telegram:
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret
        )
    return site


def _local_port(settings: Settings, metrics: Metrics | None) -> LocalPort | None:
    """/metrics and /healthz on 127.0.0.1:BALAI_METRICS_PORT, when set. A port already
    taken is logged, not fatal: residents' answers matter more than the scrape."""
    if settings.metrics_port is None or metrics is None:
        return None
    from bot.monitor import LocalPort

    port = LocalPort(metrics, METRICS_HOST, settings.metrics_port)
    try:
        port.start(asyncio.get_running_loop())
    except OSError as exc:
        log.error(
            "BALAI_METRICS_PORT %d could not be opened (%s): no /metrics or /healthz there",
            settings.metrics_port,
            type(exc).__name__,
        )
        return None
    return port


async def with_workers(
    core: Core,
    worker: OutboxWorker,
    stop: asyncio.Event,
    *,
    keep: timedelta = timedelta(days=DEFAULT_OUTBOX_KEEP_DAYS),
    crew: Crew | None = None,
) -> None:
    """Run the outbox worker, and (on the leading worker, when several share the
    database) the announcement dispatcher, the case watch and the pruner of delivered
    messages kept for `keep`, until `stop`; keep references to them."""
    services, sessions, woken = core.services, core.sessions, core.outbox_wake.set
    leads = crew.leads if crew is not None else always
    dispatcher = Dispatcher(services, sessions, worker.fed.set)
    jobs = [
        (dispatcher.run_once, ROUND_SECONDS, "announcement round"),
        (CaseWatch(services, sessions, woken).run_once, CASE_WATCH_SECONDS, "case watch"),
        (Pruner(sessions, services.clock, keep).run_once, PRUNE_SECONDS, "prune"),
    ]
    tasks = [
        asyncio.create_task(repeat(job, every, stop, name=name, leads=leads))
        for job, every, name in jobs
    ]
    tasks.append(asyncio.create_task(worker.run(stop)))
    if crew is not None:
        worker.sends_announcements = crew.leads
        tasks.append(asyncio.create_task(crew.run(stop)))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
