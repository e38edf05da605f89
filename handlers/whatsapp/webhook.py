"""The WhatsApp webhook: Meta's subscription handshake and signed message deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from handlers.whatsapp.channel import WhatsAppChannel

log = logging.getLogger(__name__)

PATH = "/whatsapp/webhook"
# Meta waits some seconds for the answer before it counts the call as failed and sends it
# again later; messages still in their sender's lane by then are answered for.
ANSWER_WITHIN = 10.0
# The header name is public (Meta's webhook docs), not a secret.
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 3 * 1024 * 1024


def add_routes(
    app: web.Application, channel: WhatsAppChannel, verify_token: str, app_secret: str
) -> None:
    """Serve PATH on `app` (the Telegram webhook's server, or one of its own)."""

    async def handshake(request: web.Request) -> web.Response:
        query = request.query
        given = query.get("hub.verify_token", "")
        # Constant-time compare: the token must not leak through response timing.
        matches = hmac.compare_digest(given.encode(), verify_token.encode())
        if query.get("hub.mode") != "subscribe" or not matches:
            log.warning("WhatsApp webhook handshake with a wrong token refused")
            return web.Response(status=403)
        return web.Response(text=query.get("hub.challenge", ""))

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        given = request.headers.get(SIGNATURE_HEADER)
        if not given:
            return web.Response(status=401)
        expected = "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("WhatsApp webhook call with a wrong signature refused")
            return web.Response(status=403)
        try:
            body = json.loads(raw)
        except ValueError:
            return web.Response(status=400)
        try:
            taken = channel.accept(body)
        except Exception as exc:
            # Meta would retry a 5xx for days: our own mistake must not cause that.
            log.error("a WhatsApp webhook body could not be taken (%s)", type(exc).__name__)
            return web.Response(status=200)
        # Answered once its messages are handled: Meta sends the call again to a worker
        # still running if this one dies first.
        if not await channel.acks.settled(taken, ANSWER_WITHIN):
            log.warning(
                "WhatsApp messages took over %.0f s; answered before handled", ANSWER_WITHIN
            )
        return web.Response(status=200)

    app.router.add_get(PATH, handshake)
    app.router.add_post(PATH, receive)


def whatsapp_app(channel: WhatsAppChannel, verify_token: str, app_secret: str) -> web.Application:
    """A server of its own, for when Telegram polls."""
    app = web.Application(client_max_size=MAX_BODY)
    add_routes(app, channel, verify_token, app_secret)
    return app
