"""The Telegram channel: PTB Application wired to Balai's runner."""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

from telegram import BotCommand, CallbackQuery, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from flows.engine.context import Translator
from flows.engine.lanes import Lanes
from flows.engine.runner import Runner
from flows.engine.types import ChatKind, Incoming, Outbound, Reply
from handlers.acks import Acks
from handlers.telegram.counted import CountedRequest, ErrorCount
from handlers.telegram.http import BotApiRequest
from handlers.telegram.limiter import SendWindow, WindowedRateLimiter
from handlers.telegram.media import TelegramFiles
from handlers.telegram.parse import CHANNEL, incoming_from
from handlers.telegram.render import deliver, group_markup, markup, send_kwargs

log = logging.getLogger(__name__)

# PTB's limiter counting the bot's messages, announcements in what replies leave (under
# PTB's name, which the broadcast bench's paced_balai.py scales).
AIORateLimiter = WindowedRateLimiter

# Telegram shows at most 200 characters in a press's pop-up.
ALERT_LIMIT = 200
SHARE_KEYBOARDS_REMEMBERED = 5000


# Updates fetched but not yet handed to a lane. Bounded, so that when the lanes are full
# polling stops fetching (Telegram keeps the rest) and the webhook answers later.
UPDATE_QUEUE_SIZE = 100
# Connections to the Bot API at once: every lane may be sending, and presses answered too.
BOT_API_CONNECTIONS = 64
# Updates waiting in lanes, per update handled at a time.
PENDING_PER_SLOT = 50


def build_application(
    api_url: str, token: str, *, count_errors: ErrorCount | None = None
) -> Application:  # type: ignore[type-arg]
    """A PTB Application talking to the Bot API server at `api_url`, with rate limiting;
    with `count_errors`, told of every failed Bot API call.

    PTB hands it one update at a time (its default); the channel's handler only queues
    the update in its sender's lane and returns, so the next one follows at once.
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
    )
    requests: tuple[BaseRequest, BaseRequest] | None = None
    if not _behind_a_proxy():
        # Our own keep-alive client (handlers/telegram/http.py): a sixth of httpx's CPU.
        # It speaks to the Bot API directly; behind a proxy PTB's httpx client, which
        # honours HTTPS_PROXY and the like, does.
        requests = BotApiRequest(pool_size=BOT_API_CONNECTIONS), BotApiRequest(pool_size=1)
    elif count_errors is not None:
        # What PTB would build itself, made here to be counted.
        requests = HTTPXRequest(connection_pool_size=256), HTTPXRequest(connection_pool_size=1)
    if requests is not None:
        calls, updates = requests
        if count_errors is not None:
            calls, updates = (
                CountedRequest(calls, count_errors),
                CountedRequest(updates, count_errors),
            )
        builder = builder.request(calls).get_updates_request(updates)
    return (
        builder.rate_limiter(AIORateLimiter(max_retries=2))
        .update_queue(asyncio.Queue(maxsize=UPDATE_QUEUE_SIZE))
        # Balai's timers are its own (bot/reminders.py), kept in the database.
        .job_queue(None)
        .build()
    )


def _behind_a_proxy() -> bool:
    """Whether the environment names a proxy for HTTP(S) (HTTPS_PROXY, ALL_PROXY, ...)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("https", "http", "all"))


class TelegramChannel:
    """Receives updates, runs them through the runner, renders the replies."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        runner: Runner,
        translations: Callable[[str], Translator],
        concurrency: int,
        files: TelegramFiles | None = None,
    ) -> None:
        self.application = application
        self._runner = runner
        # Without it (tests of the channel alone) file ids pass through as they came.
        self._files = files
        self._translations = translations
        self._lanes = Lanes(concurrency, max_pending=concurrency * PENDING_PER_SLOT)
        # The send window of the bot's rate limiter (handlers/telegram/limiter.py), if any.
        self.window: SendWindow | None = getattr(application.bot.rate_limiter, "window", None)
        # Chats last shown a share-contact/location keyboard; the next plain reply removes
        # it. Only the most recent are remembered, so memory stays flat however many
        # residents register (an older one keeps its keyboard until it next shares).
        self._share_keyboard_shown: OrderedDict[int, None] = OrderedDict()
        # Webhook calls waiting for their update to be handled (handlers/acks.py).
        self.acks = Acks()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)

    async def set_commands(self) -> None:
        """Publish the localized command menu (Indonesian by default, English for en)."""
        bot = self.application.bot
        for language in ("id", "en"):
            gettext = self._translations(language).gettext
            commands = [
                BotCommand(c.name, gettext(c.description))
                for c in self._runner.services.catalog.commands
            ]
            try:
                await bot.set_my_commands(
                    commands, language_code=None if language == "id" else "en"
                )
            except TelegramError as exc:
                # The menu is a convenience: typed commands work without it.
                log.warning("command menu not published (%s); it will be on the next start", exc)
                return

    async def drain(self) -> None:
        """Wait until every update received so far has been handled and answered."""
        await self._lanes.join()

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue the update behind its sender's earlier ones; PTB moves on at once."""
        incoming = incoming_from(update)
        if incoming is None:
            self.acks.done(update.update_id)
            return
        if self.window is not None and incoming.chat_kind is ChatKind.PRIVATE:
            self.window.expect()  # announcements keep a place free for its reply
        await self._lanes.submit(incoming.lane, partial(self._answered, update, incoming))

    async def _answered(self, update: Update, incoming: Incoming) -> None:
        try:
            await self._process(update, incoming)
        finally:
            self.acks.done(update.update_id)

    async def _process(self, update: Update, incoming: Incoming) -> None:
        """Handle one update and send its replies, the press answered before them."""
        query = update.callback_query
        if self._files is not None and incoming.media_id is not None:
            # Downloaded here, in the sender's lane: the file is Balai's before any step
            # sees it, and a slow download holds up nobody else.
            message = update.message or update.edited_message
            incoming = await self._files.take_in(message, incoming, self._runner)
        press = _PressAnswer(query) if query is not None else None
        replies = await self._runner.handle(incoming, press.acknowledge if press else None)
        if press is not None:
            await press.answered()
        origin = query.message if query is not None and isinstance(query.message, Message) else None
        await self._render(incoming, replies, origin)

    async def _render(
        self, incoming: Incoming, replies: list[Reply], origin: Message | None
    ) -> None:
        chat_id = int(incoming.chat)
        pending = list(replies)
        try:
            while pending:
                reply = pending[0]
                if reply.replace_origin and origin is not None and await self._edit(origin, reply):
                    pending.pop(0)
                    continue
                await self._send(chat_id, reply, incoming.chat_kind is ChatKind.GROUP)
                pending.pop(0)
        except NetworkError as exc:
            if isinstance(exc, BadRequest):
                raise
            # Telegram is unreachable: keep the replies in the outbox rather than lose them.
            log.warning("sending a reply failed (%s); queued for later", type(exc).__name__)
            await self._runner.queue([Outbound(CHANNEL, incoming.chat, r) for r in pending])

    async def _send(self, chat_id: int, reply: Reply, in_group: bool) -> None:
        keyboard = group_markup(reply) if in_group else markup(reply)
        if reply.share_label:
            self._share_keyboard_shown[chat_id] = None
            if len(self._share_keyboard_shown) > SHARE_KEYBOARDS_REMEMBERED:
                self._share_keyboard_shown.popitem(last=False)
        elif keyboard is None and chat_id in self._share_keyboard_shown:
            keyboard = ReplyKeyboardRemove()
            del self._share_keyboard_shown[chat_id]
        await deliver(self.application.bot, chat_id, reply, keyboard=keyboard, files=self._files)

    async def _edit(self, origin: Message, reply: Reply) -> bool:
        calls = send_kwargs(reply)
        if len(calls) != 1:
            return False
        try:
            await origin.edit_text(**calls[0])
        except BadRequest as exc:
            # "message is not modified" means it already shows this; anything else: send anew.
            return "not modified" in str(exc).lower()
        return True

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram handler error: %s", type(context.error).__name__)


class _PressAnswer:
    """answerCallbackQuery for one press, started as soon as the runner says how."""

    def __init__(self, query: CallbackQuery) -> None:
        self._query = query
        self._task: asyncio.Task[None] | None = None

    def acknowledge(self, alert: Reply | None) -> None:
        text = alert.text[:ALERT_LIMIT] if alert is not None else None
        answer = self._query.answer(text=text, show_alert=alert is not None)
        self._task = asyncio.create_task(_quietly(answer))

    async def answered(self) -> None:
        if self._task is None:
            self.acknowledge(None)  # the runner always acknowledges; this is a safety net
        assert self._task is not None  # noqa: S101 (set just above)
        await self._task


async def _quietly(awaitable: object) -> None:
    try:
        await awaitable  # type: ignore[misc]
    except TelegramError as exc:
        log.debug("ignored Telegram error: %s", type(exc).__name__)
