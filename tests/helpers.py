"""A fake person who chats with the runner, and small readers of what was stored."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.app import Core
from bot.settings import default_media_dir
from flows.engine.types import ChatKind, Contact, Incoming, Kind, Reply
from handlers.simulator.hub import Hub
from handlers.simulator.server import simulator_app
from storage import outbox as outbox_rows
from storage.db import create_engine, session_factory
from storage.media import media_id_of
from storage.models import AuditEntry, ChannelIdentity, Citizen, Conversation, OutboxMessage


class InstantClock:
    """A monotonic clock for the outbox's pacing that jumps ahead when slept on.

    Pacing decisions are the same as with real seconds; waiting them out costs no time.
    """

    def __init__(self) -> None:
        self._now = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._now += max(seconds, 0.0)
        await asyncio.sleep(0)  # still let the rest of the loop run, as a real wait would


async def outbox_settled(db_url: str, within: float = 15.0) -> None:
    """Wait until the outbox has nothing left to deliver: every row is sent or failed.

    Checks of "only one notification" come after this, so a duplicate still queued
    would be counted rather than missed.
    """
    engine = create_engine(db_url)
    deadline = time.monotonic() + within
    try:
        while True:
            async with session_factory(engine)() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_((outbox_rows.PENDING, outbox_rows.SENDING)))
                )
            if not left:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{left} outbox message(s) still undelivered after {within}s")
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


class FakeOfficials:
    """Admin-chat membership the test sets: {(chat_id, user_id)}."""

    def __init__(self) -> None:
        self.members: set[tuple[str, str]] = set()

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return (chat_id, user_id) in self.members


class Person:
    """Someone chatting with Balai in a private chat (or an official in a group)."""

    def __init__(
        self,
        core: Core,
        user_id: str = "1001",
        name: str = "Siti",
        chat: str | None = None,
        channel: str = "telegram",
    ) -> None:
        self.core = core
        self.user_id = user_id
        self.name = name
        self.chat = chat or user_id
        self.channel = channel
        self.replies: list[Reply] = []

    def _base(self) -> Incoming:
        kind = ChatKind.PRIVATE if self.chat == self.user_id else ChatKind.GROUP
        return Incoming(self.channel, self.user_id, self.chat, Kind.TEXT, self.name, kind)

    async def send(self, incoming: Incoming) -> list[Reply]:
        self.replies = await self.core.runner.handle(incoming)
        return self.replies

    async def says(self, text: str, *, edited: bool = False) -> list[Reply]:
        if text.startswith("/"):
            command = text[1:].split()[0].lower()
            return await self.send(
                replace(self._base(), kind=Kind.COMMAND, text=text, command=command)
            )
        return await self.send(replace(self._base(), text=text, edited=edited))

    async def taps(self, label: str) -> list[Reply]:
        """Press the button whose label contains `label` on the latest replies."""
        for reply in reversed(self.replies):
            for row in reply.buttons:
                for button in row:
                    if label in button.label:
                        return await self.presses(button.value)
        raise AssertionError(f"no button {label!r} in {self.buttons()}")

    async def presses(self, value: str) -> list[Reply]:
        return await self.send(replace(self._base(), kind=Kind.CHOICE, choice=value))

    async def shares_contact(self, phone: str, own: bool = True) -> list[Reply]:
        contact = Contact(phone, own)
        return await self.send(replace(self._base(), kind=Kind.CONTACT, contact=contact))

    async def sends(self, kind: Kind, **fields: Any) -> list[Reply]:
        return await self.send(replace(self._base(), kind=kind, **fields))

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def buttons(self) -> list[str]:
        return [b.label for r in self.replies for row in r.buttons for b in row]


class ButtonWatch(Person):
    """A Person who keeps every button label Balai showed, for checks over a conversation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: set[str] = set()

    async def send(self, incoming: Incoming) -> list[Reply]:
        replies = await super().send(incoming)
        self.seen.update(b.label for r in replies for row in r.buttons for b in row)
        return replies

    def too_long(self, limit: int = 20) -> list[str]:
        """Labels over WhatsApp's reply-button limit (BAHASA.md: at most 20 characters)."""
        return sorted(label for label in self.seen if len(label) > limit)


REGISTRATION_STEPS = ("consent", "village", "name", "nik", "dusun", "rtrw", "phone", "save")


async def fill_registration(
    person: Any,
    *,
    until: str = "end",
    village: str | None = "Sukamaju",
    name: str = "Siti Aminah",
    nik: str = "1804074107900002",
    dusun: str = "Krajan",
    phone: str = "081234567890",
    started: bool = False,
) -> None:
    """Answer registration with valid answers up to (not including) step `until`.

    Works for the in-process Person and for a TelegramUser alike.
    """
    answers = {
        "consent": lambda: person.taps("Saya setuju"),
        "village": lambda: person.taps(village) if village else None,
        "name": lambda: person.says(name),
        "nik": lambda: person.says(nik),
        "dusun": lambda: person.taps(dusun),
        "rtrw": lambda: person.says("003/005"),
        "phone": lambda: person.says(phone),
        "save": lambda: person.taps("Simpan"),
    }
    if not started:
        await person.says("/daftar")
    for step in REGISTRATION_STEPS:
        if step == until:
            return
        pending = answers[step]()
        if pending is not None:
            await pending


async def register(person: Person, **answers: Any) -> None:
    """A whole registration with valid answers (for tests that need a resident)."""
    await fill_registration(person, **answers)
    assert "terdaftar" in person.text, person.text


async def rows(core: Core, model: type, *where: Any) -> list[Any]:
    async with core.sessions() as session:
        return list(await session.scalars(select(model).where(*where)))


async def stored(db_url: str, model: type) -> list[Any]:
    """Every row of `model` in the database at `db_url` (a Balai running apart)."""
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(model).order_by(*model.__table__.primary_key)))
    finally:
        await engine.dispose()


async def citizens(core: Core) -> list[Citizen]:
    return await rows(core, Citizen)


async def outbox(core: Core) -> list[OutboxMessage]:
    return await rows(core, OutboxMessage)


async def audit(core: Core) -> list[AuditEntry]:
    return await rows(core, AuditEntry)


async def conversation_of(core: Core, user_id: str) -> Conversation | None:
    async with core.sessions() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == user_id)
        )
        if identity is None:
            return None
        return await session.get(Conversation, identity.id)


async def serve_simulator(core: Core, hub: Hub, locale: str, runners: list[web.AppRunner]) -> str:
    """Serve the simulator page for `core` on a free loopback port; gives its address."""
    gettext = core.services.translations(locale).gettext
    app = simulator_app(core.runner, hub, core.services.villages, gettext)
    runner = web.AppRunner(app)
    await runner.setup()
    runners.append(runner)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return f"http://127.0.0.1:{port}"


async def stored_media(db_url: str) -> list[Any]:
    """Every row of the media store, oldest first."""
    from storage.models import StoredMedia

    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(StoredMedia).order_by(StoredMedia.id)))
    await engine.dispose()
    return found


# A PostgreSQL test database's media folder (in the test's tmp_path), set by `db_url`:
# Balai's default for PostgreSQL (./data/media) would be shared by every test.
media_folders: dict[str, Path] = {}


def media_folder(db_url: str) -> Path:
    """The media store's folder for a test's database (SQLite: beside the file)."""
    return media_folders.get(db_url) or default_media_dir(db_url)


async def stored_bytes(db_url: str, ref: str) -> bytes | None:
    """The bytes a store reference ("m:<id>") stands for; None if gone."""
    media_id = media_id_of(ref)
    rows = {row.id: row for row in await stored_media(db_url)}
    row = rows.get(media_id) if media_id is not None else None
    if row is None:
        return None
    path = media_folder(db_url) / row.sha256[:2] / row.sha256
    return await asyncio.to_thread(path.read_bytes) if path.exists() else None


async def save_media(store: Any, session: Any, data: bytes, **row: Any) -> int:
    """A file in the media store and its row, as a channel leaves one (a test's shortcut:
    the channels write the file before their transaction, Runner.store_media)."""
    sha256 = await store.put(data)
    return int(await store.record(session, sha256, len(data), **row))
