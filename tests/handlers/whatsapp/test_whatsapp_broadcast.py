"""Announcements on WhatsApp: inside the window as a message, outside as the "announcement"
template or held until the resident writes (then expired), read statuses counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import update

from bot.broadcast import Dispatcher
from bot.outbox import OutboxWorker
from flows.engine.types import Reply
from handlers.whatsapp.graph import UNDELIVERABLE, GraphClient
from handlers.whatsapp.render import Labels
from handlers.whatsapp.sender import WhatsAppSender
from handlers.whatsapp.templates import Template
from storage import outbox as outbox_rows
from storage.models import AnnouncementDelivery, ChannelIdentity, OutboxMessage
from tests.bot.test_broadcast import announce, announcement, deliver_all, seed, statuses
from tests.handlers.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraphApi
from tests.handlers.whatsapp.test_whatsapp_window import (  # noqa: F401 (fixtures)
    SITI,
    webhook,
    worker_for,
)
from tests.handlers.whatsapp.test_whatsapp_window import statuses as status_webhook
from tests.helpers import InstantClock, rows

ANNOUNCEMENT_TEMPLATE = Template("balai_pengumuman", "id", ("kind", "village", "text"))
OTHER = "6281234567891"


async def two_residents(core, clock) -> None:  # type: ignore[no-untyped-def]
    """Siti wrote an hour ago; the other resident three days ago."""
    await seed(
        core,
        1,
        channel="whatsapp",
        first_chat=int(SITI),
        last_inbound=clock.now - timedelta(hours=1),
    )
    await seed(
        core,
        1,
        channel="whatsapp",
        first_chat=int(OTHER),
        last_inbound=clock.now - timedelta(days=3),
    )


@pytest.fixture
async def graph(graph_api: FakeGraphApi) -> AsyncIterator[GraphClient]:
    client = GraphClient(f"{graph_api.url}/{VERSION}", PHONE_NUMBER_ID, TOKEN)
    yield client
    await client.close()


def texts_to(graph_api: FakeGraphApi, to: str) -> list[str]:
    return [c.text for c in graph_api.sent(to) if c.body.get("type") != "template"]


async def test_outside_the_window_it_goes_as_the_announcement_template(
    core, clock, graph, graph_api
):
    await two_residents(core, clock)
    ann = await announce(core, kind="important")
    worker = worker_for(core, graph, clock, {"announcement": ANNOUNCEMENT_TEMPLATE})
    await deliver_all(Dispatcher(core.services, core.sessions), worker)
    assert any("Posyandu hari Sabtu" in text for text in texts_to(graph_api, SITI))
    [template] = [c.body["template"] for c in graph_api.sent(OTHER)]
    assert template["name"] == "balai_pengumuman"
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values == ["⚠️ Penting", "Sukamaju", "Posyandu hari Sabtu di balai desa."]
    assert await statuses(core, ann) == Counter(sent=2)


async def test_without_a_template_it_waits_until_they_write(core, clock, graph, graph_api):
    await two_residents(core, clock)
    first = await announce(core)
    second = await announce(core)
    worker = worker_for(core, graph, clock)
    dispatcher = Dispatcher(core.services, core.sessions)
    await deliver_all(dispatcher, worker)
    assert graph_api.sent(OTHER) == []
    assert await statuses(core, first) == Counter(sent=1, held=1)
    assert (await announcement(core, first)).status == "done"
    # They write (what the webhook notes): both come now.
    async with core.sessions() as session, session.begin():
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.external_id == OTHER)
            .values(last_inbound_at=clock.now)
        )
        await outbox_rows.wake(session, "whatsapp", OTHER, clock.now)
    await deliver_all(dispatcher, worker)
    assert await statuses(core, first) == Counter(sent=2)
    assert await statuses(core, second) == Counter(sent=2)
    assert len(texts_to(graph_api, OTHER)) == 2


async def test_a_held_announcement_past_its_validity_counts_as_not_delivered(
    core, clock, graph, graph_api
):
    await two_residents(core, clock)
    ann = await announce(core, valid_days=2)
    worker = worker_for(core, graph, clock)
    dispatcher = Dispatcher(core.services, core.sessions)
    await deliver_all(dispatcher, worker)
    clock.advance(days=3)
    await deliver_all(dispatcher, worker)
    assert await statuses(core, ann) == Counter(sent=1, expired=1)
    assert graph_api.sent(OTHER) == []


async def test_whatsapp_read_statuses_count_as_read(core, clock, graph_api, webhook):  # noqa: F811 (the fixture)
    siti, worker = webhook
    await seed(core, 1, channel="whatsapp", first_chat=int(SITI), last_inbound=clock.now)
    ann = await announce(core, kind="important")
    dispatcher = Dispatcher(core.services, core.sessions)
    await deliver_all(dispatcher, worker)
    [call] = [c for c in graph_api.sent(SITI) if c.body.get("type") != "template"]
    [delivery] = await rows(core, AnnouncementDelivery, AnnouncementDelivery.announcement_id == ann)
    assert delivery.status == "sent" and delivery.read_at is None
    [message] = await rows(core, OutboxMessage, OutboxMessage.topic == f"ann:{ann}")
    assert (
        await siti.post(status_webhook((message.external_message_id, "read", 1795000000, None)))
        == 200
    )
    await siti.settle()
    # Counted at once, and on the progress card when it is next looked at.
    [delivery] = await rows(core, AnnouncementDelivery, AnnouncementDelivery.announcement_id == ann)
    assert delivery.read_at is not None
    clock.advance(minutes=2)
    await dispatcher.run_once()
    cards = await rows(core, OutboxMessage, OutboxMessage.dedupe_key.startswith(f"ann-card:{ann}"))
    assert "Dibaca: 1" in max(cards, key=lambda m: m.id).payload["text"]
    assert call is not None


async def test_a_sent_announcement_reported_undeliverable_counts_as_unreachable_at_once(
    core,
    clock,
    graph_api,
    webhook,  # noqa: F811 (the fixture)
):
    siti, worker = webhook
    await seed(core, 1, channel="whatsapp", first_chat=int(SITI), last_inbound=clock.now)
    ann = await announce(core, kind="important")
    await deliver_all(Dispatcher(core.services, core.sessions), worker)
    [message] = await rows(core, OutboxMessage, OutboxMessage.topic == f"ann:{ann}")
    assert await statuses(core, ann) == Counter(sent=1)
    failed = status_webhook((message.external_message_id, "failed", 1795000000, UNDELIVERABLE))
    assert await siti.post(failed) == 200
    await siti.settle()
    # No dispatcher round needed: the report itself moved the delivery.
    assert await statuses(core, ann) == Counter(unreachable=1)


async def test_announcements_go_at_whatsapps_80_a_second_not_telegrams_30(
    core, clock, graph, graph_api
):
    await seed(
        core,
        160,
        channel="whatsapp",
        first_chat=6281200000000,
        last_inbound=clock.now - timedelta(hours=1),
    )
    ann = await announce(core, kind="important")
    pacing = InstantClock()
    sent_at: list[float] = []

    class TimedSender(WhatsAppSender):
        async def send_broadcast(
            self, chat_id: str, reply: Reply, *, village: str | None = None
        ) -> str | None:
            sent_at.append(pacing.now())
            return await super().send_broadcast(chat_id, reply, village=village)

    senders = {"whatsapp": TimedSender(graph, Labels())}
    worker = OutboxWorker(core.sessions, senders, clock, monotonic=pacing.now, sleep=pacing.sleep)
    await deliver_all(Dispatcher(core.services, core.sessions), worker)
    assert await statuses(core, ann) == Counter(sent=160)
    assert len(graph_api.sent()) == 160
    gaps = [later - earlier for earlier, later in pairwise(sent_at)]
    assert min(gaps) >= 1 / 80 - 1e-6  # Meta's limit per business number
    assert sent_at[-1] - sent_at[0] == pytest.approx(159 / 80, abs=0.05)  # not 159/30 s
