"""A lean fake Telegram Bot API on 127.0.0.1 that serves several bots at once.

Each bot (told apart by its token) has its own update queue. `getUpdates` is a real long
poll: it honours `offset` (confirms what came before), `limit` and `timeout` (the request is
held until an update arrives or the timeout runs out). Sending methods answer with
plausible Message objects so python-telegram-bot parses them; every message the bot sends
is handed to the bench (`on_message`) the moment the request arrives, before the simulated
network delay.

It runs inside the bench's own process and does as little as it can per request: the bench
measures the bots, not this server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Methods that put a message into a chat (what counts as a bot's answer).
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVoice",
        "sendDocument",
        "sendLocation",
        "sendMediaGroup",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)
ANSWER_METHODS = frozenset({"sendMessage", "sendPhoto", "editMessageText"})


# What a resident's phone photo weighs, as Telegram compresses it (about 60 KB).
PHOTO_BYTES = bytes(range(256)) * 240


@dataclass
class BotSide:
    """One bot's view of the server: its token, its queue of updates, its calls."""

    name: str
    token: str
    bot_id: int
    username: str
    # Called for every message the bot sends: (bot, method, chat_id, message, its
    # reply_markup as sent (inline or reply keyboard, or None), when the request arrived).
    on_message: Callable[[BotSide, str, int, dict[str, Any], Any, float], None] | None = None
    polling: asyncio.Event = field(default_factory=asyncio.Event)
    calls: dict[str, int] = field(default_factory=dict)
    pushed: int = 0
    delivered: int = 0
    _queue: deque[dict[str, Any]] = field(default_factory=deque)
    _update_ids: Any = field(default_factory=lambda: itertools.count(1))
    _message_ids: Any = field(default_factory=lambda: itertools.count(1000))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, update: dict[str, Any]) -> int:
        """Make an update available to getUpdates now; returns its update_id."""
        update_id: int = next(self._update_ids)
        update["update_id"] = update_id
        self._queue.append(update)
        self.pushed += 1
        self._new_update.set()
        return update_id

    def new_message_id(self) -> int:
        return int(next(self._message_ids))

    def user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.name,
            "username": self.username,
        }


class FakeBotApi:
    """The server: `/bot{token}/{method}` for every registered bot."""

    def __init__(self, bots: list[BotSide], api_delay: float = 0.0) -> None:
        self.bots = {bot.token: bot for bot in bots}
        self.api_delay = api_delay
        self.stopping = False
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Release held long polls, then close."""
        self.stopping = True
        for bot in self.bots.values():
            bot._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        params = await _params(request)
        bot.calls[method] = bot.calls.get(method, 0) + 1
        if method == "getUpdates":
            result: Any = await self._get_updates(bot, params)
        else:
            result = self._answer(bot, method, params, arrived)
        if self.api_delay:
            # The simulated round trip; the long poll's own wait is not part of it.
            await asyncio.sleep(self.api_delay)
        return _json({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        """A file getFile pointed to: the same phone photo for every file id."""
        if request.match_info["token"] not in self.bots:
            return web.Response(status=401)
        if self.api_delay:
            await asyncio.sleep(self.api_delay)
        return web.Response(body=PHOTO_BYTES, content_type="image/jpeg")

    async def _get_updates(self, bot: BotSide, params: dict[str, Any]) -> list[dict[str, Any]]:
        bot.polling.set()
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        queue = bot._queue
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()
        if not queue and timeout > 0 and not self.stopping:
            bot._new_update.clear()
            try:
                await asyncio.wait_for(bot._new_update.wait(), timeout)
            except TimeoutError:
                return []
        batch = list(itertools.islice(queue, limit))
        bot.delivered = max(bot.delivered, batch[-1]["update_id"] if batch else 0)
        return batch

    def _answer(self, bot: BotSide, method: str, params: dict[str, Any], arrived: float) -> Any:
        if method in MESSAGE_METHODS:
            if method == "sendMediaGroup":
                messages = [self._message(bot, params) for _ in params.get("media") or [()]]
                for message in messages:
                    self._tell(bot, method, message, params, arrived)
                return messages
            if method.startswith("edit"):
                if "chat_id" not in params:
                    return True  # an inline message: Telegram answers True
                message = self._message(bot, params, int(params.get("message_id") or 0))
            else:
                message = self._message(bot, params)
            self._tell(bot, method, message, params, arrived)
            return message
        if method == "getMe":
            return {
                **bot.user(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "getChatMember":
            user_id = int(params.get("user_id") or 0)
            return {
                "status": "member",
                "user": {"id": user_id, "is_bot": False, "first_name": "Warga"},
            }
        if method == "getChat":
            chat_id = int(params.get("chat_id") or 0)
            return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if method == "getFile":
            # Balai keeps what residents send in its media store: it downloads each photo.
            file_id = str(params.get("file_id") or "")
            return {
                "file_id": file_id,
                "file_unique_id": file_id[-16:],
                "file_size": len(PHOTO_BYTES),
                "file_path": f"photos/{file_id}.jpg",
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        # answerCallbackQuery, setMyCommands, deleteWebhook, setWebhook, sendChatAction ...
        return True

    def _tell(
        self,
        bot: BotSide,
        method: str,
        message: dict[str, Any],
        params: dict[str, Any],
        arrived: float,
    ) -> None:
        if bot.on_message is not None:
            markup = params.get("reply_markup")
            bot.on_message(bot, method, message["chat"]["id"], message, markup, arrived)

    def _message(
        self, bot: BotSide, params: dict[str, Any], message_id: int | None = None
    ) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": "Warga"}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Petugas Desa"}
        )
        message: dict[str, Any] = {
            "message_id": message_id or bot.new_message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": bot.user(),
        }
        text = params.get("text")
        if text is not None:
            message["text"] = str(text)
        caption = params.get("caption")
        if caption is not None:
            message["caption"] = str(caption)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # as Telegram does; reply keyboards are not echoed
        return message


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.read()
        return dict(json.loads(body)) if body else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            params[key] = "<file>"
            continue
        if value[:1] in "{[":
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params


def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )
