"""The WhatsApp channel's parts for `balai run`, when WhatsApp is configured.

A module of its own, imported only then: the Graph client runs on aiohttp, about 8 MiB
that a deployment on Telegram alone never needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.app import Core
from bot.i18n import translations
from bot.settings import WhatsAppSettings
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.media import MediaGraphClient, WhatsAppFiles
from handlers.whatsapp.parse import CHANNEL
from handlers.whatsapp.render import labels_from
from handlers.whatsapp.sender import WhatsAppSender
from handlers.whatsapp.templates import Template


@dataclass(frozen=True)
class WhatsAppParts:
    channel: WhatsAppChannel
    sender: WhatsAppSender
    graph: GraphClient
    name: str = CHANNEL


def whatsapp_parts(
    account: WhatsAppSettings,
    core: Core,
    concurrency: int,
    templates: Mapping[str, Template] | None = None,
) -> WhatsAppParts:
    """The channel residents write to, and the outbox's sender, on one Graph client;
    `templates` (per notification purpose) are sent outside WhatsApp's 24-hour window."""
    media = core.services.media
    files = None if media is None else WhatsAppFiles(media, core.sessions, core.services.clock)
    # With a media store, messages may carry store references: the client resolves them.
    graph = (
        MediaGraphClient(account.base, account.phone_number_id, account.token, files)
        if files is not None
        else GraphClient(account.base, account.phone_number_id, account.token)
    )
    labels = labels_from(translations("id").gettext)
    numbers = {
        v.whatsapp_phone_number_id: v.code
        for v in core.services.villages
        if v.whatsapp_phone_number_id
    }
    channel = WhatsAppChannel(
        core.runner, graph, labels, concurrency=concurrency, village_numbers=numbers, files=files
    )
    own_numbers = {code: number for number, code in numbers.items()}
    sender = WhatsAppSender(graph, labels, templates, village_numbers=own_numbers)
    return WhatsAppParts(channel, sender, graph)
