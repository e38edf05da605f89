"""The pruner deletes old delivered messages only, and receipts no app redelivers, in batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.errors import SetupError
from bot.prune import Pruner
from bot.settings import load_settings
from flows.engine.types import Reply
from storage import outbox as outbox_rows
from storage import receipts
from storage.models import OutboxMessage
from tests.helpers import outbox


async def _message(core, clock, key: str, status: str, sent_days_ago: float | None) -> None:  # type: ignore[no-untyped-def]
    at = clock() - timedelta(days=sent_days_ago if sent_days_ago is not None else 30)
    async with core.sessions() as session, session.begin():
        await outbox_rows.enqueue(
            session,
            [
                outbox_rows.row(
                    channel="telegram",
                    chat_id="1001",
                    payload=Reply(key).to_payload(),
                    now=at,
                    dedupe_key=key,
                )
            ],
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == key)
            .values(status=status, sent_at=at if sent_days_ago is not None else None)
        )


async def test_pruning_deletes_only_old_delivered_messages(core, clock):
    old_sent = [f"followup:{n}:1:1" for n in range(5)]
    for key in old_sent:
        await _message(core, clock, key, "sent", 20)
    await _message(core, clock, "ann:1:1", "sent", 13)  # delivered, not old enough
    await _message(core, clock, "followup:9:1:1", "pending", None)
    await _message(core, clock, "followup:9:2:1", "sending", None)
    await _message(core, clock, "followup:9:3:1", "waiting", None)
    await _message(core, clock, "followup:9:4:1", "failed", None)
    # Officials' cards are still referred to by later edits and replies.
    await _message(core, clock, "case-card:3", "sent", 90)
    await _message(core, clock, "citizen-card:4:1", "sent", 90)

    pruner = Pruner(core.sessions, clock, timedelta(days=14), batch=2, pause=0)
    assert await pruner.run_once() == 5
    left = {m.dedupe_key for m in await outbox(core)}
    assert left == {
        "ann:1:1",
        "followup:9:1:1",
        "followup:9:2:1",
        "followup:9:3:1",
        "followup:9:4:1",
        "case-card:3",
        "citizen-card:4:1",
    }
    assert await pruner.run_once() == 0
    clock.advance(days=2)
    assert await pruner.run_once() == 1  # the announcement delivery is now old enough


async def test_receipts_go_once_no_chat_app_would_redeliver_their_message(core, clock):
    async with core.sessions() as session, session.begin():
        for n in range(5):  # handled 9 days ago: past Meta's 7 days of webhook retries
            assert await receipts.first_time(session, "whatsapp", f"wamid.old{n}", clock())
    clock.advance(days=2)
    async with core.sessions() as session, session.begin():
        assert await receipts.first_time(session, "telegram", "7001", clock())
    clock.advance(days=7)

    pruner = Pruner(core.sessions, clock, timedelta(days=14), batch=2, pause=0)
    assert await pruner.run_once() == 5
    async with core.sessions() as session, session.begin():
        # The recent one is still known: its redelivery is not handled twice.
        assert not await receipts.first_time(session, "telegram", "7001", clock())
        assert await receipts.first_time(session, "whatsapp", "wamid.old0", clock())


def test_outbox_keep_days_is_a_setting():
    assert load_settings({}).outbox_keep_days == 14
    assert load_settings({"BALAI_OUTBOX_KEEP_DAYS": "30"}).outbox_keep_days == 30
    for wrong in ("0", "two weeks", "-1"):
        with pytest.raises(SetupError, match="BALAI_OUTBOX_KEEP_DAYS"):
            load_settings({"BALAI_OUTBOX_KEEP_DAYS": wrong})
