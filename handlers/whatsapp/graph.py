"""A small Graph API client: send a message, mark one read; Meta's errors as outcomes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from flows.engine.delivery import (
    DeliveryError,
    HeldUntilWritten,
    PermanentFailure,
    RecipientUnreachable,
    TransientFailure,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
# Meta's error codes (Cloud API reference, "Error codes").
RATE_LIMITED = 130429  # the number's throughput was exceeded
PAIR_RATE_LIMITED = 131056  # too many messages to the same person in a short time
UNDELIVERABLE = 131026  # not on WhatsApp, old app, or has not accepted the terms
OUTSIDE_WINDOW = 131047  # more than 24 hours since the person last wrote
MEDIA_UPLOAD_ERROR = 131053  # the media of a message could not be used (an expired id too)
INVALID_PARAMETER = 100  # what an unknown media id is answered with, among other things
_RETRY = {RATE_LIMITED, PAIR_RATE_LIMITED}


class MediaRejected(PermanentFailure):
    """Meta would not take the media id a message carried (expired after 30 days, unknown)."""


@dataclass(frozen=True)
class MediaInfo:
    """What Meta tells about a media id: a short-lived download url, its type and size."""

    url: str
    mime_type: str
    file_size: int | None


class TooBig(PermanentFailure):
    """A download grew past the size it was allowed."""


class GraphClient:
    """Calls {base}/{phone number id}/messages with the bearer token."""

    def __init__(self, base: str, phone_number_id: str, token: str) -> None:
        self._base = base.rstrip("/")
        self.phone_number_id = phone_number_id
        self._token = token
        self._session: aiohttp.ClientSession | None = None
        # Told each failed call's code (Meta's error code, else the HTTP status; "timeout"
        # or "network"): bot/ counts them for /metrics.
        self.count_errors: Callable[[str], None] = _uncounted

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, to: str, message: dict[str, Any], *, number: str | None = None) -> str:
        """Send one message object to a person; return its wamid."""
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        # Phone numbers are digits; a business-scoped user id ("ID.1234...") is not.
        body["to" if to.isdigit() else "recipient"] = to
        answer = await self._post(number, {**body, **message})
        messages = answer.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return str(messages[0].get("id", ""))
        return ""

    async def mark_read(self, message_id: str, *, number: str | None = None) -> None:
        """Show the person's message as read (the blue ticks)."""
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        await self._post(number, body)

    async def media_info(self, media_id: str) -> MediaInfo:
        """GET {base}/{media id}: where to download a file a person sent."""
        answer = await self._call("GET", f"{self._base}/{media_id}")
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise PermanentFailure("Graph API media answer without a url")
        size = answer.get("file_size")
        mime = answer.get("mime_type")
        return MediaInfo(
            url,
            mime if isinstance(mime, str) and mime else "application/octet-stream",
            int(size) if isinstance(size, (int, str)) and str(size).isdigit() else None,
        )

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The bytes behind a media url (the bearer token goes along); TooBig past `max_bytes`."""
        try:
            async with self._client().get(url) as response:
                if response.status >= 300:
                    self.count_errors(str(response.status))
                    raise _outcome(response.status, {})
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        raise TooBig(f"more than {max_bytes} bytes")
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.count_errors(_failed_call(exc))
            raise TransientFailure(f"media download failed ({type(exc).__name__})") from exc

    async def upload(
        self, data: bytes, mime_type: str, file_name: str, *, number: str | None = None
    ) -> str:
        """POST {base}/{phone number id}/media: a file for messages to carry; its media id."""
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, filename=file_name, content_type=mime_type)
        url = f"{self._base}/{number or self.phone_number_id}/media"
        answer = await self._call("POST", url, data=form)
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise PermanentFailure("Graph API upload answer without an id")
        return media_id

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._client().request(method, url, **kwargs) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = {}
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.count_errors(_failed_call(exc))
            raise TransientFailure(f"Graph API unreachable ({type(exc).__name__})") from exc
        answer = answer if isinstance(answer, dict) else {}
        if status < 300:
            return answer
        code = _error_code(answer)
        self.count_errors(str(code if isinstance(code, int) else status))
        raise _outcome(status, answer)

    async def _post(self, number: str | None, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._base}/{number or self.phone_number_id}/messages"
        return await self._call("POST", url, json=body)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
            )
        return self._session


def _outcome(status: int, answer: dict[str, Any]) -> Exception:
    """The delivery outcome for an error answer. Only the code and status are kept: Meta's
    message text may quote what was sent."""
    code = _error_code(answer)
    return failure_for(code, status)(f"Graph API error {code} (HTTP {status})")


def _error_code(answer: dict[str, Any]) -> object:
    error = answer.get("error")
    return error.get("code") if isinstance(error, dict) else None


def _failed_call(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, TimeoutError) else "network"


def _uncounted(_code: str) -> None:
    pass


def failure_for(code: object, status: int = 400) -> type[DeliveryError]:
    """What a Meta error code means for the message (a send's answer, or a failed status)."""
    if code == UNDELIVERABLE:
        return RecipientUnreachable
    if code == OUTSIDE_WINDOW:
        # A template, or a wait until the person writes again (the outbox decides).
        return HeldUntilWritten
    if code in (MEDIA_UPLOAD_ERROR, INVALID_PARAMETER):
        # Still a permanent failure to everyone else; a sender of a cached media id
        # uploads the file again (MediaRejected is a PermanentFailure).
        return MediaRejected
    if code in _RETRY or status >= 500 or status == 429:
        return TransientFailure
    return PermanentFailure
