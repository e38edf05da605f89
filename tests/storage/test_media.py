"""The media store on a real SQLite file and a real folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import people
from storage.clock import utcnow
from storage.db import create_engine, session_factory
from storage.media import MediaStore, TooLarge, referenced_ids
from storage.migrate import upgrade_to_head
from storage.models import MediaChannelRef, StoredMedia
from tests.helpers import save_media


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_to_head(db_url)
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


async def identity(sessions: async_sessionmaker[AsyncSession], external_id: str) -> int:
    async with sessions() as session, session.begin():
        found, _row = await people.identity_and_conversation(session, "telegram", external_id)
    return found.id


async def save(
    sessions: async_sessionmaker[AsyncSession], store: MediaStore, owner: int, data: bytes
) -> int:
    async with sessions() as session, session.begin():
        return await save_media(
            store,
            session,
            data,
            kind="photo",
            mime_type="image/jpeg",
            file_name=None,
            identity_id=owner,
            now=utcnow(),
        )


def files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_same_bytes_twice_make_one_file_and_one_row(sessions, tmp_path):
    store = MediaStore(tmp_path / "media", 1000)
    siti = await identity(sessions, "1001")
    first, second = await asyncio.gather(
        save(sessions, store, siti, b"same picture"), save(sessions, store, siti, b"same picture")
    )
    assert first == second
    assert await count(sessions, StoredMedia) == 1 and len(files(tmp_path / "media")) == 1


async def test_one_persons_erasure_leaves_the_same_file_sent_by_another(sessions, tmp_path):
    store = MediaStore(tmp_path / "media", 1000)
    siti, budi = await identity(sessions, "1001"), await identity(sessions, "1002")
    sitis = await save(sessions, store, siti, b"the village map")
    await save(sessions, store, budi, b"the village map")
    own = await save(sessions, store, siti, b"siti's KTP")
    async with sessions() as session, session.begin():
        await store.remember_channel_ref(session, sitis, "telegram", "AgAC-1", utcnow())
        assert await store.erase(session, [siti], keep=set()) == 2
    assert await count(sessions, StoredMedia) == 1
    assert await count(sessions, MediaChannelRef) == 0
    [left] = files(tmp_path / "media")
    assert left.read_bytes() == b"the village map"
    async with sessions() as session:
        assert await store.load(session, own) is None


async def test_a_file_over_the_cap_is_not_kept(sessions, tmp_path):
    store = MediaStore(tmp_path / "media", 10)
    siti = await identity(sessions, "1001")
    with pytest.raises(TooLarge):
        await save(sessions, store, siti, b"eleven byte")
    assert not files(tmp_path / "media") and await count(sessions, StoredMedia) == 0


def test_references_are_found_anywhere_in_case_data():
    data = {"photos": ["m:3", "m:4"], "voice": "m:5", "signed": {"ref": "m:6"}, "note": "m:x"}
    assert referenced_ids(data) == {3, 4, 5, 6}
    assert referenced_ids({"photos": ["AgACAgQ-legacy"], "n": 7}) == set()
