"""A small Graph API client: send a message, mark one read; Meta's errors as outcomes."""

from __future__ import annotations

import logging
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
_RETRY = {RATE_LIMITED, PAIR_RATE_LIMITED}


class GraphClient:
    """Calls {base}/{phone number id}/messages with the bearer token."""

    def __init__(self, base: str, phone_number_id: str, token: str) -> None:
        self._base = base.rstrip("/")
        self.phone_number_id = phone_number_id
        self._token = token
        self._session: aiohttp.ClientSession | None = None

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

    async def _post(self, number: str | None, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._base}/{number or self.phone_number_id}/messages"
        try:
            async with self._client().post(url, json=body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = {}
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientFailure(f"Graph API unreachable ({type(exc).__name__})") from exc
        answer = answer if isinstance(answer, dict) else {}
        if status < 300:
            return answer
        raise _outcome(status, answer)

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
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    return failure_for(code, status)(f"Graph API error {code} (HTTP {status})")


def failure_for(code: object, status: int = 400) -> type[DeliveryError]:
    """What a Meta error code means for the message (a send's answer, or a failed status)."""
    if code == UNDELIVERABLE:
        return RecipientUnreachable
    if code == OUTSIDE_WINDOW:
        # A template, or a wait until the person writes again (the outbox decides).
        return HeldUntilWritten
    if code in _RETRY or status >= 500 or status == 429:
        return TransientFailure
    return PermanentFailure
