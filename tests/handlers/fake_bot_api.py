"""A fake Telegram Bot API server on 127.0.0.1: feeds updates, records every request.

The real python-telegram-bot client talks to it over HTTP, exactly as it would talk to
api.telegram.org, so the tests exercise PTB's own request and parsing code.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 5550001
BOT_USERNAME = "balai_test_bot"
# Query parameter naming the update a request answers (added by `watch_handling`).
ANSWERING = "answering"
# The update whose handling is running in this task (each update runs in its own).
_HANDLING: contextvars.ContextVar[int | None] = contextvars.ContextVar("handling", default=None)


# Calls that put a message in a chat, which chaos may fail.
CHAOTIC = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendMediaGroup", "editMessageText"}
)
# What Telegram answers when it is overloaded or briefly broken. Besides these, chaos has
# "lost" (no answer in time; the message went nowhere) and "late" (the message was
# delivered, but the answer comes after the client gave up: the client cannot tell).
FAULTS: dict[str, dict[str, Any]] = {
    "429": {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    },
    "500": {"ok": False, "error_code": 500, "description": "Internal Server Error"},
    "502": {"ok": False, "error_code": 502, "description": "Bad Gateway"},
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    message_id: int | None = None
    # The update this call was made in answer to; None for the outbox, startup, or unknown.
    answering: int | None = None
    # Set once the server has answered the call (after any `hold`).
    answered: bool = False
    # When the call reached the server (time.monotonic()).
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]


class Calls(list[Call]):
    """The calls in order, and each chat's own (a test with hundreds of residents waiting
    reads its chat many times a second)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: dict[str, list[Call]] = {}

    def append(self, call: Call) -> None:
        super().append(call)
        self.by_chat.setdefault(call.chat_id, []).append(call)

    def clear(self) -> None:
        super().clear()
        self.by_chat.clear()


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-TOKEN"
    calls: Calls = field(default_factory=Calls)
    startup_calls: list[Call] = field(default_factory=list)
    members: dict[tuple[str, str], str] = field(default_factory=dict)
    # method -> list of scripted error responses served before succeeding
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down: bool = False
    # Set once the bot polls for updates (its startup is over).
    polling: asyncio.Event = field(default_factory=asyncio.Event)
    # update_ids the bot has finished handling, replies included. Filled by a hook in the
    # bot when the test runs it in-process (`watch_handling`); None when it cannot see that.
    handled: set[int] | None = None
    # Once the server stops, a long poll still open returns at once instead of running out.
    stopping: bool = False
    # Chats that blocked the bot: every send to them answers 403.
    blocked: set[str] = field(default_factory=set)
    # chat id -> retry_after seconds of the 429s its next sends answer, one each.
    throttled: dict[str, list[int]] = field(default_factory=dict)
    # Awaited before answering each call (other than getUpdates): a slow network, a stuck chat.
    hold: Callable[[Call], Awaitable[None]] | None = None
    # Decides, per message call, a fault Telegram answers with at its worst (FAULTS), or None.
    chaos: Callable[[Call], str | None] | None = None
    # How long a "lost" or "late" call is held: longer than the client waits for an answer.
    chaos_hang: float = 1.0
    # Every fault served, in order: (fault, the call).
    faults: list[tuple[str, Call]] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: Any = field(default_factory=lambda: itertools.count(1))
    _message_ids: Any = field(default_factory=lambda: itertools.count(100))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _answered: dict[str, asyncio.Event] = field(default_factory=dict)
    port: int = 0
    # Files the bot can download, by file_id; any other file_id serves bytes made from it.
    files: dict[str, bytes] = field(default_factory=dict)
    # file_ids whose download fails (getFile answers 400), as for an expired file.
    unavailable: set[str] = field(default_factory=set)
    # Every file the bot uploaded: (method, file name, bytes, the file_id given back).
    uploads: list[tuple[str, str, bytes, str]] = field(default_factory=list)
    _file_ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.stopping = True
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the API ----------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        arrived = time.monotonic()
        method = request.match_info["method"]
        params = await self._params(request)
        answering = request.query.get(ANSWERING)
        call = Call(method, params, answering=int(answering) if answering else None, at=arrived)
        if method != "getUpdates":
            self.calls.append(call)
            if self.hold is not None:
                await self.hold(call)
        elif not self.down:
            self.polling.set()
        if self.down and method not in ("getUpdates",):
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        refused = self._refusal(method, call.chat_id)
        if refused is not None:
            return web.json_response(refused, status=refused["error_code"])
        scripted = self.failures.get(method)
        if scripted:
            error = scripted.pop(0)
            return web.json_response(error, status=error["error_code"])
        fault = self.chaos(call) if self.chaos is not None and method in CHAOTIC else None
        if fault is not None:
            self.faults.append((fault, call))
            if fault == "lost":  # no answer in time, and the message went nowhere
                await asyncio.sleep(self.chaos_hang)
                return web.json_response(FAULTS["500"], status=500)
            if fault != "late":
                return web.json_response(FAULTS[fault], status=FAULTS[fault]["error_code"])
        handler = getattr(self, "_api_" + method, None)
        try:
            result = await handler(params) if handler is not None else True
        except _ApiError as exc:
            error = {"ok": False, "error_code": exc.code, "description": exc.description}
            return web.json_response(error, status=exc.code)
        if isinstance(result, dict) and "message_id" in result:
            call.message_id = result["message_id"]
        call.answered = True
        self.answered_in(call.chat_id).set()
        if fault == "late":  # delivered, but the answer comes after the client gave up
            await asyncio.sleep(self.chaos_hang)
        return web.json_response({"ok": True, "result": result})

    def _refusal(self, method: str, chat_id: str) -> dict[str, Any] | None:
        """A 403 for a chat that blocked the bot, or a 429 with retry_after for a throttled one."""
        if not method.startswith("send"):
            return None
        if chat_id in self.blocked:
            return {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        waits = self.throttled.get(chat_id)
        if waits:
            wait = waits.pop(0)
            return {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
        return None

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = {"upload": value.filename, "bytes": value.file.read()}
                continue
            text = str(value)
            if text[:1] in "{[":
                try:
                    params[key] = json.loads(text)
                    continue
                except ValueError:
                    pass
            params[key] = text
        return params

    async def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Balai",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and not self.stopping:
            self._new_update.clear()
            # Long polling, kept short so stopping the bot is quick.
            timeout = min(float(params.get("timeout", 0) or 0), 0.5)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return []
        return list(self._updates)

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._file("sendPhoto", params, params.get("photo"))
        return {**self._message(params), "photo": [_photo_size(file_id)]}

    async def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._file("sendVoice", params, params.get("voice"))
        voice = {"file_id": file_id, "file_unique_id": file_id + "U", "duration": 4}
        return {**self._message(params), "voice": voice}

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._file("sendDocument", params, params.get("document"))
        return {**self._message(params), "document": _document(file_id, "file")}

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        if file_id in self.unavailable:
            raise _ApiError(
                400, "Bad Request: wrong file_id or the file is temporarily unavailable"
            )
        data = self._content(file_id)
        return {
            "file_id": file_id,
            "file_unique_id": file_id + "U",
            "file_size": len(data),
            "file_path": f"files/{file_id}",
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        self.calls.append(Call("download", {"path": request.match_info["path"]}))
        file_id = request.match_info["path"].removeprefix("files/")
        return web.Response(body=self._content(file_id))

    def _content(self, file_id: str) -> bytes:
        return self.files.get(file_id, f"telegram file {file_id}".encode())

    def _file(self, method: str, params: dict[str, Any], value: Any) -> str:
        """The file_id of what a send call carries: a file_id, or a new one for an upload
        (sent in the call itself, or "attach://name" beside it)."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, dict) and "upload" in value:
            file_id = f"UPLOADED-{next(self._file_ids)}"
            self.uploads.append((method, str(value["upload"]), value["bytes"], file_id))
            self.files[file_id] = value["bytes"]
            return file_id
        return str(value)

    async def _api_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params)
        message["location"] = {
            "latitude": float(params["latitude"]),
            "longitude": float(params["longitude"]),
        }
        return message

    async def _api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        sent = []
        for item in params.get("media", []):
            file_id = self._file("sendMediaGroup", params, item.get("media"))
            sent.append({**self._message(params), "photo": [_photo_size(file_id)]})
        return sent

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, message_id=int(params.get("message_id", 0)))

    async def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params["chat_id"]), str(params["user_id"]))
        status = self.members.get(key, "left")
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": int(params["user_id"]), "is_bot": False, "first_name": "X"},
        }
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return member

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {
                "id": chat_id,
                "type": "private" if chat_id > 0 else "supergroup",
                **({"title": "Petugas"} if chat_id < 0 else {}),
            },
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Balai"},
            "text": params.get("text", ""),
        }
        if (
            isinstance(params.get("reply_markup"), dict)
            and "inline_keyboard" in params["reply_markup"]
        ):
            message["reply_markup"] = params["reply_markup"]
        return message

    # --- feeding updates --------------------------------------------------------------
    def next_update_id(self) -> int:
        """An id for an update the test posts to a webhook itself."""
        return int(next(self._update_ids))

    def push(self, update: dict[str, Any]) -> int:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._new_update.set()
        return int(update["update_id"])

    def watch_handling(self, application: Any) -> None:
        """Hook into the bot's PTB Application (run in-process): name the update each
        request answers, which tells a reply apart from the outbox's deliveries running
        beside it. The channel reports each update's handling through `handling_of`."""
        self.handled = self.handled if self.handled is not None else set()
        request = application.bot.request
        do_request = request.do_request

        async def naming_the_update(url: str, *args: Any, **kwargs: Any) -> Any:
            update_id = _HANDLING.get()
            if update_id is not None:
                url = f"{url}?{ANSWERING}={update_id}"
            return await do_request(url, *args, **kwargs)

        request.do_request = naming_the_update

    async def handling_of(self, update_id: int, handling: Awaitable[None]) -> None:
        """Await the bot's handling of one update (replies included), then note it done."""
        _HANDLING.set(update_id)
        try:
            await handling
        finally:
            assert self.handled is not None
            self.handled.add(update_id)

    async def wait_handled(self, update_id: int, within: float = 20.0) -> None:
        assert self.handled is not None, "the bot's handling is not watched"
        deadline = time.monotonic() + within
        while update_id not in self.handled:
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update_id} not handled within {within}s")
            await asyncio.sleep(0.01)

    def answered_in(self, chat_id: str) -> asyncio.Event:
        """Set when a call to the chat is answered (cleared by whoever waits on it)."""
        event = self._answered.get(chat_id)
        if event is None:
            event = self._answered[chat_id] = asyncio.Event()
        return event

    def sent_to(self, chat_id: int | str, method: str | None = None) -> list[Call]:
        methods = (method,) if method else ("sendMessage", "editMessageText")
        return [c for c in self.calls if c.chat_id == str(chat_id) and c.method in methods]

    async def wait_for(self, predicate: Any, within: float = 10.0) -> Call:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for call in self.calls:
                if predicate(call):
                    return call
            await asyncio.sleep(0.02)
        raise AssertionError(f"no matching Bot API call; last calls: {self.calls[-5:]}")


@dataclass
class TelegramUser:
    """A person on Telegram: sends messages and taps buttons; reads what the bot said."""

    api: FakeBotApi
    user_id: int
    first_name: str
    chat_id: int | None = None  # a group id when acting in the admin chat
    username: str | None = None
    # The bot's answer to this person's latest message or tap.
    replies: list[Call] = field(default_factory=list)
    # The bot's answerCallbackQuery to this person's latest press.
    press_answer: Call | None = None
    _message_ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": "id",
        }

    def _chat(self) -> dict[str, Any]:
        if self.chat_id is None:
            return {"id": self.user_id, "type": "private", "first_name": self.first_name}
        return {"id": self.chat_id, "type": "supergroup", "title": "Petugas Desa"}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
            **content,
        }

    def text_update(self, text: str, *, edited: bool = False) -> dict[str, Any]:
        """The update of this person typing `text` (to push without waiting for the bot)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        key = "edited_message" if edited else "message"
        message = self._message(**content)
        if edited:
            message["edit_date"] = int(time.time())
        return {key: message}

    def press_update(self, data: str, message_id: int = 1, text: str = "") -> dict[str, Any]:
        """The update of this person pressing a button carrying `data`."""
        return {
            "callback_query": {
                "id": f"cb{self.user_id}-{time.monotonic_ns()}",
                "from": self._user(),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat(),
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Balai"},
                    "text": text,
                },
            }
        }

    async def says(self, text: str, *, edited: bool = False) -> list[Call]:
        return await self._exchange(self.text_update(text, edited=edited))

    async def shares_contact(self, phone: str) -> list[Call]:
        contact = {"phone_number": phone, "first_name": self.first_name, "user_id": self.user_id}
        return await self._exchange({"message": self._message(contact=contact)})

    async def sends_sticker(self) -> list[Call]:
        sticker = {
            "file_id": "STK",
            "file_unique_id": "STKU",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self._exchange({"message": self._message(sticker=sticker)})

    async def sends_photo(
        self, file_id: str = "PH", caption: str = "", size: int | None = None
    ) -> list[Call]:
        photo = [_photo_size(file_id, size)]
        extra = {"caption": caption} if caption else {}
        return await self._exchange({"message": self._message(photo=photo, **extra)})

    async def sends_document(
        self, file_id: str = "DOC", name: str = "scan.pdf", size: int | None = None
    ) -> list[Call]:
        document = _document(file_id, name, size)
        return await self._exchange({"message": self._message(document=document)})

    async def sends_voice(self, file_id: str = "VO") -> list[Call]:
        voice = {"file_id": file_id, "file_unique_id": file_id + "U", "duration": 4}
        return await self._exchange({"message": self._message(voice=voice)})

    async def sends_location(self, latitude: float, longitude: float) -> list[Call]:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._exchange({"message": self._message(location=location)})

    async def replies_to(self, message_id: int, text: str) -> list[Call]:
        """Answer a ForceReply prompt, as Telegram's client does in a group."""
        return await self._reply(message_id, text=text)

    async def replies_with_document(
        self, message_id: int, file_id: str, name: str, size: int | None = None
    ) -> list[Call]:
        return await self._reply(message_id, document=_document(file_id, name, size))

    async def _reply(self, message_id: int, **content: Any) -> list[Call]:
        original = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Balai"},
            "text": "?",
        }
        return await self._exchange(
            {"message": self._message(**content, reply_to_message=original)}
        )

    def find_button(self, label: str) -> tuple[Call, dict[str, Any]]:
        for call in reversed(self.api.sent_to(self.chat)):
            for button in call.buttons():
                if label in button.get("text", ""):
                    return call, button
        raise AssertionError(f"no button {label!r} in the chat with {self.chat}")

    async def taps(self, label: str) -> list[Call]:
        call, button = self.find_button(label)
        message_id = call.message_id or 0
        return await self.presses(button["callback_data"], message_id, call.text)

    async def presses(self, data: str, message_id: int = 1, text: str = "") -> list[Call]:
        update = self.press_update(data, message_id, text)
        query = update["callback_query"]
        calls = await self._exchange(update)
        answered = [
            c
            for c in self.api.calls
            if c.method == "answerCallbackQuery"
            and c.params.get("callback_query_id") == query["id"]
        ]
        assert len(answered) == 1, "every button press must be answered, once"
        self.press_answer = answered[0]
        return calls

    def _replies_since(self, start: int, update_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.api.calls[start:]
            if c.chat_id == str(self.chat)
            and c.method in ("sendMessage", "editMessageText")
            and (update_id is None or c.answering == update_id)
        ]

    async def _exchange(self, update: dict[str, Any], quiet: float = 0.3) -> list[Call]:
        """Push one update; return the bot's messages to this chat in answer to it.

        With the bot in-process: exactly its replies to this update, once it is handled
        (the outbox's messages, delivered beside it, are not among them). A bot in another
        process cannot be watched: then whatever it says to this chat until it goes quiet.
        """
        start = len(self.api.calls)
        update_id = self.api.push(update)
        if self.api.handled is not None:
            await self.api.wait_handled(update_id)
            self.replies = self._replies_since(start, update_id)
            return self.replies
        self.replies = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if self._replies_since(start):
                seen = len(self.api.calls)
                await asyncio.sleep(quiet)
                if len(self.api.calls) == seen:
                    self.replies = self._replies_since(start)
                    break
        return self.replies

    def last_text(self) -> str:
        """The last thing the bot said in answer to this person's latest message or tap."""
        return self.replies[-1].text if self.replies else ""


class _ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _photo_size(file_id: str, size: int | None = None) -> dict[str, Any]:
    photo = {"file_id": file_id, "file_unique_id": file_id + "U", "width": 90, "height": 90}
    return {**photo, "file_size": size} if size is not None else photo


def _document(file_id: str, name: str, size: int | None = None) -> dict[str, Any]:
    mime = "application/pdf" if name.endswith(".pdf") else "application/octet-stream"
    document = {
        "file_id": file_id,
        "file_unique_id": file_id + "U",
        "file_name": name,
        "mime_type": mime,
    }
    return {**document, "file_size": size} if size is not None else document
