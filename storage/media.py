"""Balai's media store: files under one folder named by their sha256, rows describing them.

Flows carry a store reference ("m:<id>"); each chat app's own id for a file is a cache
(media_channel_refs) so a file uploaded once is sent again by that id.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MediaChannelRef, StoredMedia
from storage.upsert import insert_ignoring, upsert

log = logging.getLogger(__name__)

REF_PREFIX = "m:"
_REF = re.compile(r"m:(\d+)")


def ref_of(media_id: int) -> str:
    """The reference flows carry for a stored file."""
    return f"{REF_PREFIX}{media_id}"


def media_id_of(ref: str) -> int | None:
    """The stored file's id behind a reference; None for anything else (a legacy file id)."""
    found = _REF.fullmatch(ref)
    return int(found.group(1)) if found else None


def referenced_ids(data: Any) -> set[int]:
    """Every stored file a piece of JSON (case data, a form) refers to."""
    if isinstance(data, str):
        found = media_id_of(data)
        return {found} if found is not None else set()
    items = data.values() if isinstance(data, dict) else data
    if not isinstance(items, (list, tuple)) and not isinstance(data, dict):
        return set()
    return set().union(*(referenced_ids(item) for item in items))


class TooLarge(ValueError):
    """The file is over the store's size cap."""


@dataclass(frozen=True)
class MediaFile:
    """A stored file's description and its bytes."""

    id: int
    kind: str
    mime_type: str
    file_name: str | None
    data: bytes


class MediaStore:
    """Files under `root` (sharded by the first characters of the sha256), at most `max_bytes`."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def thumbnail_path(self, sha256: str, width: int) -> Path:
        """Where a resized copy of a stored photo is kept, beside it (erased with it)."""
        return self.path_of(sha256).with_name(f"{sha256}.w{width}.jpg")

    async def put(self, data: bytes) -> str:
        """Write the bytes into the folder (once per content), off the event loop; their
        sha256. Done before the transaction that records them: on SQLite a transaction
        holds the write lock, and nobody should wait for a disk write."""
        if len(data) > self.max_bytes:
            raise TooLarge(f"{len(data)} bytes")
        sha256 = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, sha256, data)
        return sha256

    async def record(
        self,
        session: AsyncSession,
        sha256: str,
        size: int,
        *,
        kind: str,
        mime_type: str,
        file_name: str | None,
        identity_id: int,
        now: datetime,
    ) -> int:
        """The row for a file `put` wrote, made once per sender and content; its id."""
        values = {
            "kind": kind,
            "mime_type": mime_type or "application/octet-stream",
            "size": size,
            "file_name": file_name[:255] if file_name else None,
            "sha256": sha256,
            "identity_id": identity_id,
            "created_at": now,
        }
        await insert_ignoring(session, StoredMedia, values, ("sha256", "identity_id"))
        found = await session.scalar(
            select(StoredMedia.id).where(
                StoredMedia.sha256 == sha256, StoredMedia.identity_id == identity_id
            )
        )
        if found is None:  # rows are removed only by their sender's /hapusdata
            raise LookupError("a stored media row vanished while it was being created")
        return int(found)

    def _write(self, sha256: str, data: bytes) -> None:
        path = self.path_of(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file, and two writers of the
        # same bytes both end with the whole one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def load(self, session: AsyncSession, media_id: int) -> MediaFile | None:
        """A stored file with its bytes; None when its row or its file is gone."""
        row = await session.get(StoredMedia, media_id)
        if row is None:
            return None
        try:
            data = await asyncio.to_thread(self.path_of(row.sha256).read_bytes)
        except FileNotFoundError:
            log.warning("media file %d is missing from the media folder", media_id)
            return None
        return MediaFile(row.id, row.kind, row.mime_type, row.file_name, data)

    async def channel_ref(self, session: AsyncSession, media_id: int, channel: str) -> str | None:
        """The chat app's own id for a stored file, if it was sent there before."""
        found = await session.scalar(
            select(MediaChannelRef.ref).where(
                MediaChannelRef.media_id == media_id, MediaChannelRef.channel == channel
            )
        )
        return str(found) if found is not None else None

    async def remember_channel_ref(
        self, session: AsyncSession, media_id: int, channel: str, ref: str, now: datetime
    ) -> None:
        """Cache the chat app's id for a stored file (the newest upload wins)."""
        if await session.get(StoredMedia, media_id) is None:
            return  # erased meanwhile
        values = {"media_id": media_id, "channel": channel, "ref": ref, "created_at": now}
        await upsert(session, MediaChannelRef, values, ("media_id", "channel"), ("ref",))

    async def erase(
        self, session: AsyncSession, identity_ids: Iterable[int], keep: set[int]
    ) -> int:
        """Remove what these identities sent, except the rows in `keep`; how many went.

        A file goes with its last row: the same bytes sent by someone else stay.
        """
        ids = list(identity_ids)
        if not ids:
            return 0
        rows = list(
            await session.execute(
                select(StoredMedia.id, StoredMedia.sha256).where(StoredMedia.identity_id.in_(ids))
            )
        )
        return await self._remove(session, [(i, h) for i, h in rows if i not in keep])

    async def erase_ids(self, session: AsyncSession, media_ids: set[int]) -> int:
        """Remove these stored files (a closed case of someone who deleted their data)."""
        if not media_ids:
            return 0
        rows = list(
            await session.execute(
                select(StoredMedia.id, StoredMedia.sha256).where(StoredMedia.id.in_(media_ids))
            )
        )
        return await self._remove(session, [(media_id, sha256) for media_id, sha256 in rows])

    async def _remove(self, session: AsyncSession, going: list[tuple[int, str]]) -> int:
        """Delete rows, and each file no row points at any more; how many rows went."""
        if not going:
            return 0
        going_ids = [media_id for media_id, _sha in going]
        await session.execute(
            delete(MediaChannelRef).where(MediaChannelRef.media_id.in_(going_ids))
        )
        await session.execute(delete(StoredMedia).where(StoredMedia.id.in_(going_ids)))
        hashes = {sha256 for _id, sha256 in going}
        still_used = set(
            await session.scalars(
                select(StoredMedia.sha256).where(StoredMedia.sha256.in_(hashes)).distinct()
            )
        )
        for sha256 in hashes - still_used:
            await asyncio.to_thread(self._unlink_with_thumbnails, sha256)
        return len(going)

    def _unlink_with_thumbnails(self, sha256: str) -> None:
        path = self.path_of(sha256)
        path.unlink(missing_ok=True)
        if path.parent.is_dir():
            for thumbnail in path.parent.glob(f"{sha256}.w*.jpg"):
                thumbnail.unlink(missing_ok=True)
