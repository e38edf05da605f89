"""A fake Graph API on 127.0.0.1 (records every request, answers Meta's errors on demand),
and a WhatsApp user who posts webhooks signed and shaped like Meta's."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "EAAG-test-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v24.0"
BUSINESS_ACCOUNT = "102290129340398"
# Meta's answers when it is overloaded or briefly broken: (error code, HTTP status).
GRAPH_FAULTS = {
    "throughput": (130429, 400),  # the number's messages per second exceeded
    "pair": (131056, 400),  # too many messages to one person in a short time
    "unavailable": (2, 503),  # "Service temporarily unavailable"
}


@dataclass
class GraphCall:
    path: str
    body: dict[str, Any]
    authorization: str
    # Set once Meta took the message (an error answer or a "lost" one delivered nothing).
    delivered: bool = False

    @property
    def to(self) -> str:
        return str(self.body.get("to") or self.body.get("recipient") or "")

    @property
    def is_read_mark(self) -> bool:
        return self.body.get("status") == "read"

    @property
    def text(self) -> str:
        kind = self.body.get("type")
        if kind == "text":
            return str(self.body["text"]["body"])
        if kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        return ""

    def choices(self) -> list[tuple[str, str]]:
        """(title, id) of every reply button or list row."""
        if self.body.get("type") != "interactive":
            return []
        interactive = self.body["interactive"]
        action = interactive.get("action", {})
        if interactive["type"] == "button":
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
        if interactive["type"] == "list":
            return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]
        return []


@dataclass
class Upload:
    """A file Balai uploaded (POST /{number}/media), and the media id it was given."""

    number: str
    mime_type: str
    file_name: str
    data: bytes
    media_id: str


@dataclass
class FakeGraphApi:
    calls: list[GraphCall] = field(default_factory=list)
    # Meta error codes to answer the next sends with, in order (then success again).
    errors: list[int] = field(default_factory=list)
    # Decides, per message sent, a fault Meta answers with at its worst (GRAPH_FAULTS,
    # "lost" or "late" as in the fake Bot API), or None.
    chaos: Callable[[GraphCall], str | None] | None = None
    # How long a "lost" or "late" send is held: longer than the client waits for an answer.
    chaos_hang: float = 1.0
    faults: list[tuple[str, GraphCall]] = field(default_factory=list)
    down: bool = False
    port: int = 0
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    # Files people sent, by media id: (bytes, mime type); what Balai may download.
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # A file_size to report instead of the real one (a file too big to keep).
    claimed_sizes: dict[str, int] = field(default_factory=dict)
    # Media ids whose metadata or download answers an error (a failed download).
    failing: set[str] = field(default_factory=set)
    # Media ids Meta no longer takes in a message (uploaded more than 30 days ago).
    expired: set[str] = field(default_factory=set)
    # Media ids whose metadata was asked for, and whose bytes were downloaded.
    looked_up: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{version}/{number}/messages", self._messages)
        app.router.add_post("/{version}/{number}/media", self._upload)
        app.router.add_get("/{version}/{media_id}", self._media_info)
        app.router.add_get("/download/{media_id}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _messages(self, request: web.Request) -> web.Response:
        if self.down:
            return web.json_response({"error": {"message": "down", "code": 1}}, status=503)
        body = await request.json()
        call = GraphCall(request.path, body, request.headers.get("Authorization", ""))
        self.calls.append(call)
        if body.get("status") == "read":
            return web.json_response({"success": True})
        kind = body.get("type")
        content = body.get(kind) if isinstance(kind, str) else None
        if isinstance(content, dict) and content.get("id") in self.expired:
            return _error(131053)
        if self.errors:
            return _error(self.errors.pop(0))
        fault = self.chaos(call) if self.chaos is not None else None
        if fault is not None:
            self.faults.append((fault, call))
            if fault == "lost":  # no answer in time, and the message went nowhere
                await asyncio.sleep(self.chaos_hang)
                return _error(2, status=503)
            if fault != "late":
                code, status = GRAPH_FAULTS[fault]
                return _error(code, status=status)
        wamid = f"wamid.OUT{next(self._ids)}"
        call.delivered = True
        if fault == "late":  # delivered, but the answer comes after the client gave up
            await asyncio.sleep(self.chaos_hang)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": call.to, "wa_id": call.to}],
                "messages": [{"id": wamid}],
            }
        )

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        self.looked_up.append(media_id)
        if not self._authorized(request):
            return _error(190, status=401)
        if media_id in self.failing or media_id not in self.media:
            return _error(100)
        data, mime = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/download/{media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": self.claimed_sizes.get(media_id, len(data)),
                "id": media_id,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        if not self._authorized(request):
            return web.Response(status=401)
        self.downloads.append(media_id)
        if media_id in self.failing:
            return web.Response(status=404)
        data, mime = self.media[media_id]
        return web.Response(body=data, content_type=mime)

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(190, status=401)
        form = await request.post()
        upload = form.get("file")
        if form.get("messaging_product") != "whatsapp" or not isinstance(upload, web.FileField):
            return _error(100)
        media_id = f"UP{next(self._ids)}"
        self.uploads.append(
            Upload(
                request.match_info["number"],
                str(form.get("type", "")),
                upload.filename,
                upload.file.read(),
                media_id,
            )
        )
        return web.json_response({"id": media_id})

    def media_sent(self, to: str, kind: str) -> list[GraphCall]:
        """Media messages of one kind (image, audio, document) sent to one person."""
        return [c for c in self.sent(to) if c.body.get("type") == kind]

    def sent(self, to: str | None = None) -> list[GraphCall]:
        """Messages sent (read marks left out), to one person if given."""
        return [c for c in self.calls if not c.is_read_mark and (to is None or c.to == to)]

    async def wait_for(self, predicate: Any, within: float = 10.0) -> GraphCall:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for call in self.calls:
                if predicate(call):
                    return call
            await asyncio.sleep(0.02)
        raise AssertionError(f"no matching Graph API call; last: {self.calls[-3:]}")


def _error(code: int, status: int = 400) -> web.Response:
    """An error answer shaped like Meta's."""
    error = {
        "message": f"(#{code}) error",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": "details"},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
    return web.json_response({"error": error}, status=status)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(
    *messages: dict[str, Any], contacts: list[dict[str, Any]], number: str = PHONE_NUMBER_ID
) -> dict[str, Any]:
    """A `messages` webhook as Meta documents it: one entry, one change."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": BUSINESS_ACCOUNT,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "6281100001111",
                                "phone_number_id": number,
                            },
                            "contacts": contacts,
                            "messages": list(messages),
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


@dataclass
class WhatsAppUser:
    """A person on WhatsApp: posts signed webhooks, reads what Balai sent back."""

    graph: FakeGraphApi
    webhook_url: str
    wa_id: str
    name: str
    # Waits until Balai has handled everything posted (the channel's drain).
    settle: Any
    replies: list[GraphCall] = field(default_factory=list)
    # The business number written to (a village may have its own).
    number: str = PHONE_NUMBER_ID
    # WhatsApp's business-scoped user id, sent since 2026 (alone for a username user).
    user_id: str = ""
    _clock: Any = field(default_factory=lambda: itertools.count(int(time.time())))

    def message(self, kind: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """One inbound message object (timestamps rise with each one made)."""
        message: dict[str, Any] = {
            "id": f"wamid.IN{uuid.uuid4().hex}",
            "timestamp": str(next(self._clock)),
            "type": kind,
            kind: content,
            **extra,
        }
        if self.wa_id:
            message["from"] = self.wa_id
        if self.user_id:
            message["from_user_id"] = self.user_id
        return message

    def body(self, *messages: dict[str, Any]) -> dict[str, Any]:
        contact: dict[str, Any] = {"profile": {"name": self.name}}
        if self.wa_id:
            contact["wa_id"] = self.wa_id
        if self.user_id:
            contact["user_id"] = self.user_id
        contacts = [contact]
        return webhook_body(*messages, contacts=contacts, number=self.number)

    async def post(self, body: dict[str, Any], signature: str | None = "valid") -> int:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, data=raw, headers=headers) as response,
        ):
            return response.status

    async def exchange(self, *messages: dict[str, Any]) -> list[GraphCall]:
        before = len(self.graph.calls)
        status = await self.post(self.body(*messages))
        assert status == 200
        await self.settle()
        self.replies = [c for c in self.graph.calls[before:] if not c.is_read_mark]
        return self.replies

    async def says(self, text: str) -> list[GraphCall]:
        return await self.exchange(self.message("text", {"body": text}))

    async def taps(self, label: str) -> list[GraphCall]:
        """Tap the reply button or list row titled `label` in Balai's latest choices."""
        for call in reversed(self.graph.sent(self.user_id or self.wa_id)):
            for title, choice in call.choices():
                if title == label or label in title:
                    return await self.choose(choice, title, call)
        raise AssertionError(f"no choice {label!r} in what Balai sent")

    async def choose(self, choice: str, title: str, call: GraphCall) -> list[GraphCall]:
        kind = "list_reply" if call.body["interactive"]["type"] == "list" else "button_reply"
        content = {"type": kind, kind: {"id": choice, "title": title}}
        return await self.exchange(self.message("interactive", content))

    def last_text(self) -> str:
        return self.replies[-1].text if self.replies else ""
