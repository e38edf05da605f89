"""Receiving Telegram updates over HTTPS (aiohttp) instead of long polling."""

from __future__ import annotations

import json
import logging
import secrets

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from handlers.acks import Acks

log = logging.getLogger(__name__)

# The header name is public (Bot API docs), not a secret.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105
PATH = "/telegram/webhook"
MAX_BODY = 1024 * 1024
# Telegram gives up on a webhook call after about a minute and sends the update again; an
# update still waiting in its sender's lane by then is answered for (it will be handled).
ANSWER_WITHIN = 30.0


def webhook_app(
    application: Application,  # type: ignore[type-arg]
    secret: str,
    acks: Acks,
) -> web.Application:
    """An aiohttp app that checks Telegram's secret header, queues the update and answers
    Telegram once the update has been handled (`acks`)."""

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
        acks.expect(update.update_id)
        await application.update_queue.put(update)
        if not await acks.settled([update.update_id], ANSWER_WITHIN):
            log.warning("an update took over %.0f s; answered before handled", ANSWER_WITHIN)
        return web.Response(status=200)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(PATH, receive)
    return app
