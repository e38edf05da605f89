"""The outbox finds a card's messages and an edit's newer edits by columns of their own,
for rows queued now and rows queued before migration 0017 alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import JSON, DateTime, Integer, String, column, event, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.db import create_engine, session_factory
from storage.migrate import alembic_config, upgrade_to_head
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

# The outbox as 0016 left it (no `card`, no `replaces`).
OLD_OUTBOX = table(
    "outbox",
    column("id", Integer),
    column("channel", String),
    column("chat_id", String),
    column("payload", JSON),
    column("dedupe_key", String),
    column("status", String),
    column("attempts", Integer),
    column("next_attempt_at", DateTime(timezone=True)),
    column("created_at", DateTime(timezone=True)),
    column("sent_at", DateTime(timezone=True)),
    column("external_message_id", String),
)
# (dedupe key, the key it edits, status, id in the chat app): an admin chat's history.
HISTORY = [
    ("case-card:3", None, "sent", "501"),
    ("case-card:3:v2:100.0", "case-card:3", "pending", None),  # backing off after an error
    ("case-card:3:v3:200.0", "case-card:3", "sent", "501"),  # a newer edit, delivered
    ("case-card:33", None, "sent", "533"),
    ("fixed:3:2", None, "sent", "502"),  # a reply under the card: not the card
    ("citizen-card:4:1", None, "sent", "601"),
    ("citizen-card:4:2", None, "sent", "602"),
    ("citizen-card:44:1", None, "sent", "644"),
    ("forget:citizen-card:4:1", "citizen-card:4:1", "pending", None),
    ("ann-card:7", None, "sent", "701"),
    ("ann-card:7:1.0", "ann-card:7", "pending", None),
    ("followup:9:1:1", None, "sent", "801"),
]


def _payload(key: str, replaces: str | None) -> dict[str, Any]:
    return {"text": key, "buttons": [], "expects": "text", "replaces_key": replaces}


async def _ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.id))
    return {key: row_id for key, row_id in rows if key is not None}


async def _assert_found_by_columns(session: AsyncSession) -> None:
    ids = await _ids(session)
    chat = ("telegram", "-1001")
    assert (
        await outbox.card_of_sent(session, *chat, "501", outbox.CASE_CARD_PREFIX) == "case-card:3"
    )
    assert await outbox.card_of_sent(session, *chat, "533", outbox.CASE_CARD_PREFIX) == (
        "case-card:33"
    )
    assert await outbox.card_of_sent(session, *chat, "502", outbox.CASE_CARD_PREFIX) is None
    assert await outbox.card_of_sent(session, *chat, "601", outbox.CASE_CARD_PREFIX) is None
    assert sorted(await outbox.keys_of_card(session, "citizen-card:4")) == [
        "citizen-card:4:1",
        "citizen-card:4:2",
    ]
    # An edit delivered after a newer one would put the card's old state back.
    assert await outbox.newer_sent(session, "case-card:3", ids["case-card:3:v2:100.0"])
    assert not await outbox.newer_sent(session, "case-card:3", ids["case-card:3:v3:200.0"])
    assert not await outbox.newer_sent(session, "ann-card:7", ids["ann-card:7:1.0"])
    # A resident's newer card is not an edit of the old one: the old one is still replaced.
    forget = ids["forget:citizen-card:4:1"]
    assert not await outbox.newer_sent(session, "citizen-card:4:1", forget)


async def test_rows_queued_before_0018_are_found_by_their_card_and_edits(db_url):
    await asyncio.to_thread(command.upgrade, alembic_config(db_url), "0017")
    engine = create_engine(db_url)
    async with engine.begin() as connection:
        await connection.execute(
            OLD_OUTBOX.insert(),
            [
                {
                    "channel": "telegram",
                    "chat_id": "-1001",
                    "payload": _payload(key, replaces),
                    "dedupe_key": key,
                    "status": status,
                    "attempts": 0,
                    "next_attempt_at": NOW,
                    "created_at": NOW,
                    "sent_at": NOW if status == "sent" else None,
                    "external_message_id": external_id,
                }
                for key, replaces, status, external_id in HISTORY
            ],
        )
    await engine.dispose()

    await upgrade_to_head(db_url)

    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            await _assert_found_by_columns(session)
    finally:
        await engine.dispose()


async def _queue_history(session: AsyncSession) -> None:
    rows = [
        outbox.row(
            channel="telegram",
            chat_id="-1001",
            payload=_payload(key, replaces),
            now=NOW,
            dedupe_key=key,
        )
        for key, replaces, _status, _external_id in HISTORY
    ]
    await outbox.enqueue(session, rows)


async def test_rows_queued_now_are_found_by_their_card_and_edits_without_like(migrated_db_url):
    engine = create_engine(migrated_db_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            await _queue_history(session)
            ids = await _ids(session)
            for key, _replaces, status, external_id in HISTORY:
                if status == "sent":
                    await outbox.mark_sent(session, ids[key], NOW, 1, external_id)
        statements: list[str] = []
        listen = (engine.sync_engine, "before_cursor_execute")

        def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(*listen, seen)
        try:
            async with sessions() as session:
                await _assert_found_by_columns(session)
        finally:
            event.remove(*listen, seen)
        lookups = [s for s in statements if "outbox" in s]
        assert lookups and not [s for s in lookups if "LIKE" in s.upper()]
    finally:
        await engine.dispose()


async def test_pruning_keeps_every_message_of_a_card_and_nothing_else(migrated_db_url):
    engine = create_engine(migrated_db_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            await _queue_history(session)
            for row_id in (await _ids(session)).values():
                await outbox.mark_sent(session, row_id, NOW, 1, None)
        async with sessions() as session, session.begin():
            assert await outbox.prune_delivered(session, datetime.now(UTC), 100) == 5
        async with sessions() as session:
            left = set(await _ids(session))
        assert left == {
            "case-card:3",
            "case-card:3:v2:100.0",
            "case-card:3:v3:200.0",
            "case-card:33",
            "citizen-card:4:1",
            "citizen-card:4:2",
            "citizen-card:44:1",
        }
    finally:
        await engine.dispose()
