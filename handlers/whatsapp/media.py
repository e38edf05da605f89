"""WhatsApp files in and out of Balai's media store.

In: a photo, voice note or document is downloaded at once (its url from the media id,
then the bytes) and stored before the runner sees the message. Out: a store reference is
sent by its cached WhatsApp media id, else uploaded and the id Meta returns cached. A media
id lives 30 days after upload: one Meta no longer takes is replaced by a new upload.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.engine.runner import Runner
from flows.engine.types import MediaProblem
from handlers.whatsapp.graph import GraphClient, MediaRejected, TooBig
from handlers.whatsapp.parse import CHANNEL, Received
from storage.media import MediaStore, TooLarge, media_id_of
from storage.models import StoredMedia

log = logging.getLogger(__name__)

_SUFFIXES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "application/pdf": ".pdf",
}


class WhatsAppFiles:
    """Moves files between WhatsApp and the media store; caches WhatsApp's media ids."""

    def __init__(
        self,
        store: MediaStore,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._clock = clock

    # --- in ------------------------------------------------------------------------
    async def take_in(self, graph: GraphClient, message: Received, runner: Runner) -> Received:
        """`message` with its file stored (media_id a store reference), or the problem."""
        media = message.media
        if media is None or message.incoming.media_id is None:
            return message
        cap = self._store.max_bytes
        try:
            info = await graph.media_info(media.id)
            if info.file_size is not None and info.file_size > cap:
                return _refused(message, MediaProblem.TOO_LARGE)
            data = await graph.download(info.url, cap)
        except TooBig:
            return _refused(message, MediaProblem.TOO_LARGE)
        except Exception as exc:  # whatever broke, the person is asked again
            log.warning("a file could not be downloaded from WhatsApp (%s)", type(exc).__name__)
            return _refused(message, MediaProblem.UNAVAILABLE)
        mime_type = media.mime_type.split(";")[0].strip() or info.mime_type
        try:
            ref = await runner.store_media(
                message.incoming, data, mime_type=mime_type, file_name=media.file_name
            )
        except TooLarge:
            return _refused(message, MediaProblem.TOO_LARGE)
        stored = media_id_of(ref)
        if stored is not None:
            # Sent back to WhatsApp by this id, without an upload, while Meta keeps it.
            await self.remember(stored, media.id)
        incoming = dataclasses.replace(message.incoming, media_id=ref)
        return dataclasses.replace(message, incoming=incoming)

    # --- out -----------------------------------------------------------------------
    async def send(
        self, graph: GraphClient, to: str, message: dict[str, Any], number: str | None
    ) -> str:
        """Send a media message naming a store reference; its wamid ("" if the file is gone)."""
        kind, content = _media_of(message)
        media_id = media_id_of(str(content.get("id", ""))) if content is not None else None
        if media_id is None:
            return await GraphClient.send(graph, to, message, number=number)
        async with self._sessions() as session:
            row = await session.get(StoredMedia, media_id)
            cached = await self._store.channel_ref(session, media_id, CHANNEL)
        if row is None:
            log.warning("stored file %d is gone; its WhatsApp message is left out", media_id)
            return ""
        name = row.file_name or f"{row.kind}-{row.id}{_SUFFIXES.get(row.mime_type, '')}"
        if cached is not None:
            try:
                return await GraphClient.send(
                    graph, to, _with_id(message, kind, cached, name), number=number
                )
            except MediaRejected as exc:
                # Uploaded more than 30 days ago (or on another number): upload again.
                log.info("a cached WhatsApp media id was refused (%s); uploading again", exc)
        async with self._sessions() as session:
            stored = await self._store.load(session, media_id)
        if stored is None:
            log.warning("stored file %d is missing; its WhatsApp message is left out", media_id)
            return ""
        uploaded = await graph.upload(stored.data, stored.mime_type, name, number=number)
        await self.remember(media_id, uploaded)
        return await GraphClient.send(
            graph, to, _with_id(message, kind, uploaded, name), number=number
        )

    async def remember(self, media_id: int, whatsapp_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await self._store.remember_channel_ref(
                session, media_id, CHANNEL, whatsapp_id, self._clock()
            )


class MediaGraphClient(GraphClient):
    """A Graph client whose media messages may name store references (render's output)."""

    def __init__(self, base: str, phone_number_id: str, token: str, files: WhatsAppFiles) -> None:
        super().__init__(base, phone_number_id, token)
        self.files = files

    async def send(self, to: str, message: dict[str, Any], *, number: str | None = None) -> str:
        return await self.files.send(self, to, message, number)


def _media_of(message: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The kind and content of the message's file: the message's own, or the header of
    buttons under a photo or file (render's one_message)."""
    holder = message
    if message.get("type") == "interactive":
        holder = message["interactive"].get("header") or {}
    kind = str(holder.get("type", ""))
    content = holder.get(kind)
    return kind, content if isinstance(content, dict) else None


def _with_id(message: dict[str, Any], kind: str, whatsapp_id: str, name: str) -> dict[str, Any]:
    content: dict[str, Any] = {"id": whatsapp_id}
    if kind == "document":
        content["filename"] = name  # shown to the person, and kept when they save it
    if message.get("type") == "interactive":
        interactive = message["interactive"]
        header = {**interactive["header"], kind: content}
        return {**message, "interactive": {**interactive, "header": header}}
    return {**message, kind: {**(message.get(kind) or {}), **content}}


def _refused(message: Received, problem: MediaProblem) -> Received:
    incoming = dataclasses.replace(message.incoming, media_id=None, media_problem=problem)
    return dataclasses.replace(message, incoming=incoming)
