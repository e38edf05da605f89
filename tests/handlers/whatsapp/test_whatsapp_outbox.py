"""WhatsApp deliveries through the outbox: Meta's error codes and WhatsApp's own pacing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.outbox import OutboxWorker
from flows.engine.types import Incoming, Kind, Outbound, Reply
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.render import Labels
from handlers.whatsapp.sender import WhatsAppSender
from storage.models import ChannelIdentity
from tests.handlers.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraphApi
from tests.helpers import InstantClock, outbox

SITI = "6281234567890"


@pytest.fixture
async def graph(graph_api: FakeGraphApi) -> AsyncIterator[GraphClient]:
    client = GraphClient(f"{graph_api.url}/{VERSION}", PHONE_NUMBER_ID, TOKEN)
    yield client
    await client.close()


def worker_for(core, graph: GraphClient, clock, pacing: InstantClock) -> OutboxWorker:
    sender = WhatsAppSender(graph, Labels())
    return OutboxWorker(
        core.sessions, {"whatsapp": sender}, clock, monotonic=pacing.now, sleep=pacing.sleep
    )


async def notify(core, *texts: str) -> None:
    await core.runner.queue([Outbound("whatsapp", SITI, Reply(text)) for text in texts])


async def test_rate_limited_130429_is_tried_again_later(core, clock, graph, graph_api):
    await notify(core, "Surat Anda sudah siap.")
    graph_api.errors.append(130429)
    worker = worker_for(core, graph, clock, InstantClock())
    await worker.run_once()
    [message] = await outbox(core)
    assert message.status == "pending" and "130429" in (message.last_error or "")
    clock.advance(minutes=1)
    await worker.run_once()
    [message] = await outbox(core)
    assert message.status == "sent" and message.external_message_id.startswith("wamid.")
    assert [c.text for c in graph_api.sent(SITI)] == ["Surat Anda sudah siap."] * 2


async def test_undeliverable_131026_marks_the_person_unreachable(core, clock, graph, graph_api):
    # Siti wrote once, so she has an identity on WhatsApp.
    await core.runner.handle(Incoming("whatsapp", SITI, SITI, Kind.TEXT, text="halo"))
    await notify(core, "Surat Anda sudah siap.")
    graph_api.errors.append(131026)
    await worker_for(core, graph, clock, InstantClock()).run_once()
    [message] = await outbox(core)
    assert message.status == "failed"
    async with core.sessions() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == SITI)
        )
    assert identity is not None and identity.unreachable_at is not None


async def test_a_bad_request_fails_for_good_without_retrying(core, clock, graph, graph_api):
    await notify(core, "Halo")
    graph_api.errors.append(100)  # invalid parameter
    await worker_for(core, graph, clock, InstantClock()).run_once()
    [message] = await outbox(core)
    assert message.status == "failed" and message.attempts == 1


async def test_a_short_burst_goes_at_once_then_one_message_every_six_seconds(
    core, clock, graph, graph_api
):
    await notify(core, "1", "2", "3", "4")
    pacing = InstantClock()
    worker = worker_for(core, graph, clock, pacing)
    for _ in range(3):
        await worker.run_once()
    assert [c.text for c in graph_api.sent(SITI)] == ["1", "2", "3"]
    assert sum(pacing.slept) < 1
    await worker.run_once()
    assert [c.text for c in graph_api.sent(SITI)] == ["1", "2", "3", "4"]
    assert sum(pacing.slept) >= 6 * 3 - 1  # three messages' worth of the 6 s pace
