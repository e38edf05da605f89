"""Every reply the flows produce, rendered for WhatsApp, stays within Meta's limits.

Residents wander through Balai as people do: mostly pressing buttons, sometimes typing
(good answers and bad), sending photos, places and numbers, in every flow a resident can
reach, registered or not, in both languages. Each reply they get, and each notification
queued for them, is rendered by the WhatsApp renderer page by page and checked.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from flows.engine.types import Expect, Kind, Location, Reply
from handlers.whatsapp.render import Labels, labels_from, render
from storage.models import OutboxMessage
from tests.handlers.whatsapp.test_whatsapp_render import check_limits
from tests.helpers import Person, register

WALKS = 40
STEPS_PER_WALK = 30
TYPED = (
    "Siti Aminah",
    "1804074107900002",
    "123",
    "003/005",
    "081234567890",
    "ya",
    "tidak",
    "Jalan di depan SD berlubang besar dan berbahaya",
    "Untuk melamar pekerjaan di kota",
    "surat domisili",
    "lapor jalan rusak",
    "x" * 5000,
    "🙏🙏🙏",
    "<script>alert(1)</script>",
    "2",
    "sktm",
)
COMMANDS = ("/start", "/menu", "/bantuan", "/profil", "/status", "/batal", "/bahasa", "/daftar")


def _every_page(reply: Reply, labels: Labels) -> list[dict[str, Any]]:
    """The reply's messages on its first page and on each page "Lainnya" opens."""
    choices = sum(len(row) for row in reply.buttons)
    pages = max(1, -(-choices // 7))  # more pages than the renderer can need
    return [m for page in range(pages) for m in render(reply, labels, page)]


async def _next_move(person: Person, rng: random.Random) -> None:
    """What a person might send next, looking at the last thing Balai said."""
    last = person.replies[-1] if person.replies else Reply("")
    buttons = [b for r in person.replies for row in r.buttons for b in row]
    roll = rng.random()
    if roll < 0.05:
        await person.says(rng.choice(COMMANDS))
    elif buttons and roll < 0.75:
        await person.presses(rng.choice(buttons).value)
    elif last.expects is Expect.PHOTO:
        await person.sends(Kind.PHOTO, media_id="photo-from-the-phone")
    elif last.expects is Expect.VOICE:
        await person.sends(Kind.VOICE, media_id="voice-note")
    elif last.expects is Expect.LOCATION:
        await person.sends(Kind.LOCATION, location=Location(-5.35, 105.25))
    elif last.expects is Expect.CONTACT:
        await person.shares_contact("+6281234567890")
    else:
        await person.says(rng.choice(TYPED))


async def test_every_reply_of_every_flow_fits_whatsapp(one_village_core):
    core = one_village_core
    rng = random.Random(20261203)  # noqa: S311 (a repeatable walk, not a secret)
    labels = {
        locale: labels_from(core.services.translations(locale).gettext) for locale in ("id", "en")
    }
    seen: dict[str, Reply] = {}
    for walk in range(WALKS):
        person = Person(core, user_id=f"62812000{walk:05d}", channel="whatsapp")
        if walk % 2:
            await register(person, village=None, nik=f"180407410790{100 + walk:04d}")
        if walk % 5 == 4:
            await person.says("/bahasa")
            await person.taps("English")
        await person.says("/menu")
        for reply in person.replies:
            seen.setdefault(reply.text, reply)
        for _step in range(STEPS_PER_WALK):
            await _next_move(person, rng)
            for reply in person.replies:
                seen.setdefault(reply.text, reply)
    async with core.sessions() as session:
        queued = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "whatsapp")
        )
        for message in queued:
            reply = Reply.from_payload(message.payload)
            seen.setdefault(reply.text, reply)
    # The walk reaches far (registration, complaints, letters, info, profile, help ...).
    assert len(seen) >= 150, len(seen)
    # Balai's own labels are written short (BAHASA.md: 20 characters, WhatsApp's button
    # limit), so the renderer's shortening is only for names from a village's config.
    too_long = {
        b.label for r in seen.values() for row in r.buttons for b in row if len(b.label) > 20
    }
    assert not too_long
    for reply in seen.values():
        for locale_labels in labels.values():
            check_limits(_every_page(reply, locale_labels))
