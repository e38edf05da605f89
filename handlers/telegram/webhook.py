"""Receiving Telegram updates over HTTPS (aiohttp) instead of long polling."""

from __future__ import annotations

import json
import logging
import secrets

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

# The header name is public (Bot API docs), not a secret.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105
PATH = "/telegram/webhook"
MAX_BODY = 1024 * 1024


def webhook_app(application: Application, secret: str) -> web.Application:  # type: ignore[type-arg]
    """An aiohttp app that checks Telegram's secret header and queues the update."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        # Constant-time compare: the secret must not leak through response timing.
        if not secrets.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(PATH, receive)
    return app
