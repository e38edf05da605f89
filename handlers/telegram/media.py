"""Telegram files in and out of Balai's media store.

In: a photo, voice note, audio or document is downloaded at once and stored before the
runner sees the update. Out: a store reference is sent by its cached Telegram file_id,
else uploaded from the file and the file_id Telegram returns cached. A bare file_id (from
before the store existed) is sent as it is.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InputFile, Message
from telegram.error import BadRequest

from flows.engine.runner import Runner
from flows.engine.types import ChatKind, Incoming, MediaProblem
from storage.media import MediaStore, TooLarge, media_id_of

log = logging.getLogger(__name__)

CHANNEL = "telegram"


@dataclass(frozen=True)
class _Attachment:
    file_id: str
    file_size: int | None
    mime_type: str
    file_name: str | None


def _attachment(message: Message) -> _Attachment | None:
    if message.photo:
        photo = message.photo[-1]
        return _Attachment(photo.file_id, photo.file_size, "image/jpeg", None)
    if message.voice is not None:
        voice = message.voice
        return _Attachment(voice.file_id, voice.file_size, voice.mime_type or "audio/ogg", None)
    for media in (message.audio, message.document):
        if media is not None:
            mime = media.mime_type or "application/octet-stream"
            return _Attachment(media.file_id, media.file_size, mime, media.file_name)
    return None


class TelegramFiles:
    """Moves files between Telegram and the media store; caches Telegram's file ids."""

    def __init__(
        self,
        bot: Bot,
        store: MediaStore,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
    ) -> None:
        self._bot = bot
        self._store = store
        self._sessions = sessions
        self._clock = clock

    # --- in ------------------------------------------------------------------------
    async def take_in(
        self, message: Message | None, incoming: Incoming, runner: Runner
    ) -> Incoming:
        """`incoming` with its file stored (media_id a store reference), or the problem."""
        attachment = _attachment(message) if message is not None else None
        if attachment is None or incoming.media_id is None:
            return incoming
        if incoming.edited or (incoming.chat_kind is ChatKind.GROUP and not incoming.reply_to):
            # Neither is acted on: an edit is refused, officials' own chatter ignored.
            return dataclasses.replace(incoming, media_id=None)
        if attachment.file_size is not None and attachment.file_size > self._store.max_bytes:
            return _refused(incoming, MediaProblem.TOO_LARGE)
        try:
            file = await self._bot.get_file(attachment.file_id)
            if file.file_size is not None and file.file_size > self._store.max_bytes:
                return _refused(incoming, MediaProblem.TOO_LARGE)
            data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            # Telegram lets bots download up to 20 MB and says so when a file is bigger.
            too_big = "too big" in str(exc).lower()
            log.warning("a file could not be downloaded from Telegram (%s)", type(exc).__name__)
            return _refused(
                incoming, MediaProblem.TOO_LARGE if too_big else MediaProblem.UNAVAILABLE
            )
        except Exception as exc:  # whatever broke, the person is asked again
            log.warning("a file could not be downloaded from Telegram (%s)", type(exc).__name__)
            return _refused(incoming, MediaProblem.UNAVAILABLE)
        try:
            ref = await runner.store_media(
                incoming, data, mime_type=attachment.mime_type, file_name=attachment.file_name
            )
        except TooLarge:
            return _refused(incoming, MediaProblem.TOO_LARGE)
        media_id = media_id_of(ref)
        if media_id is not None:
            # The bot may send a file it received by that file's id: no upload needed.
            await self.remember(media_id, attachment.file_id)
        return dataclasses.replace(incoming, media_id=ref)

    # --- out -----------------------------------------------------------------------
    async def sendable(self, ref: str) -> tuple[str | InputFile, int | None] | None:
        """What to hand PTB for `ref`, and the stored file's id when Telegram's file_id for
        it is still to be learnt from the answer; None when the stored file is gone."""
        media_id = media_id_of(ref)
        if media_id is None:
            return ref, None  # a Telegram file_id stored before the media store existed
        async with self._sessions() as session:
            cached = await self._store.channel_ref(session, media_id, CHANNEL)
            if cached is not None:
                return cached, None
            stored = await self._store.load(session, media_id)
        if stored is None:
            return None
        name = stored.file_name or f"{stored.kind}-{stored.id}{_suffix(stored.mime_type)}"
        return InputFile(stored.data, filename=name), media_id

    async def remember(self, media_id: int, file_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await self._store.remember_channel_ref(
                session, media_id, CHANNEL, file_id, self._clock()
            )


def _refused(incoming: Incoming, problem: MediaProblem) -> Incoming:
    return dataclasses.replace(incoming, media_id=None, media_problem=problem)


def _suffix(mime_type: str) -> str:
    return {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "audio/ogg": ".ogg",
        "audio/mpeg": ".mp3",
        "application/pdf": ".pdf",
    }.get(mime_type, "")
