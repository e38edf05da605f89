"""WhatsApp's 24-hour window: templates, messages held until the person writes, statuses."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from functools import partial

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.cli import _check_config
from bot.config import parse_whatsapp_templates
from bot.errors import SetupError
from bot.outbox import OutboxWorker
from bot.reminders import refresh_held_card
from handlers.whatsapp.channel import WhatsAppChannel
from handlers.whatsapp.graph import GraphClient
from handlers.whatsapp.render import Labels
from handlers.whatsapp.sender import WhatsAppSender
from handlers.whatsapp.templates import Template
from handlers.whatsapp.webhook import whatsapp_app
from storage.models import ChannelIdentity, OutboxMessage
from tests.conftest import TWO_VILLAGES, settings_for
from tests.flows.test_complaints import ADMIN, card_buttons, official, report
from tests.handlers.whatsapp.conftest import free_port
from tests.handlers.whatsapp.fake_graph_api import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    VERSION,
    FakeGraphApi,
    WhatsAppUser,
)
from tests.helpers import InstantClock, Person, outbox, register

SITI = "6281234567890"
HELD_LINE = "Warga akan menerimanya saat menulis lagi"
STATUS_TEMPLATE = Template("balai_status_laporan", "id", ("code", "status", "village"))


@pytest.fixture
async def graph(graph_api: FakeGraphApi) -> AsyncIterator[GraphClient]:
    client = GraphClient(f"{graph_api.url}/{VERSION}", PHONE_NUMBER_ID, TOKEN)
    yield client
    await client.close()


def worker_for(core, graph, clock, templates=None) -> OutboxWorker:  # type: ignore[no-untyped-def]
    pacing = InstantClock()
    senders = {"whatsapp": WhatsAppSender(graph, Labels(), templates)}
    worker = OutboxWorker(core.sessions, senders, clock, monotonic=pacing.now, sleep=pacing.sleep)
    worker.on_held = partial(refresh_held_card, core.services, core.sessions, core.outbox_wake)
    return worker


async def siti_reports(core) -> tuple[Person, str]:  # type: ignore[no-untyped-def]
    """Siti registers and reports a pothole on WhatsApp."""
    siti = Person(core, SITI, "Siti", channel="whatsapp")
    await register(siti, phone="081234567890")
    return siti, await report(siti)


async def notices_to_siti(core) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return [m for m in await outbox(core) if m.chat_id == SITI]


async def newest_card(core, code: str) -> str:  # type: ignore[no-untyped-def]
    cards = [m for m in await outbox(core) if m.chat_id == ADMIN and code in m.payload["text"]]
    return str(cards[-1].payload["text"])


async def test_outside_the_window_a_status_change_goes_as_the_configured_template(
    core, clock, officials, graph, graph_api
):
    _siti, code = await siti_reports(core)
    clock.advance(hours=25)
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    [notice] = await notices_to_siti(core)
    assert notice.payload["purpose"] == "case_status"

    worker = worker_for(core, graph, clock, {"case_status": STATUS_TEMPLATE})
    await worker.run_once()

    [call] = graph_api.sent(SITI)
    assert call.body["type"] == "template"
    template = call.body["template"]
    assert template["name"] == "balai_status_laporan"
    assert template["language"] == {"code": "id"}
    [body] = template["components"]
    assert [p["text"] for p in body["parameters"]] == [code, "Diproses", "Sukamaju"]
    [notice] = await notices_to_siti(core)
    assert notice.status == "sent" and notice.external_message_id.startswith("wamid.")


async def test_without_a_template_it_waits_until_the_person_writes_and_the_card_says_so(
    core, clock, officials, graph, graph_api
):
    siti, code = await siti_reports(core)
    clock.advance(hours=25)
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    worker = worker_for(core, graph, clock)
    await worker.run_once()

    [notice] = await notices_to_siti(core)
    assert notice.status == "waiting" and notice.attempts == 0
    assert graph_api.sent(SITI) == []
    assert HELD_LINE in await newest_card(core, code)

    await siti.says("halo")  # she writes again: the window opens
    await worker.run_once()
    [call] = graph_api.sent(SITI)
    assert "Diproses" in call.text
    [notice] = await notices_to_siti(core)
    assert notice.status == "sent"
    assert HELD_LINE not in await newest_card(core, code)


async def test_meta_saying_131047_takes_the_waiting_path(core, clock, officials, graph, graph_api):
    # Balai's note says she wrote a minute ago; Meta knows better.
    siti, code = await siti_reports(core)
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    graph_api.errors.append(131047)
    worker = worker_for(core, graph, clock)
    await worker.run_once()
    [notice] = await notices_to_siti(core)
    assert notice.status == "waiting" and notice.attempts == 0
    assert HELD_LINE in await newest_card(core, code)

    clock.advance(minutes=1)  # within the few minutes a busy chat's time is not noted again
    await siti.says("halo")
    await worker.run_once()
    [notice] = await notices_to_siti(core)
    assert notice.status == "sent"
    assert [c.body["type"] for c in graph_api.sent(SITI)] == ["text", "text"]


async def test_131047_uses_the_template_when_one_is_configured(core, clock, graph, graph_api):
    from flows.engine.types import Outbound, Reply

    await core.runner.queue(
        [
            Outbound(
                "whatsapp",
                SITI,
                Reply("Surat Anda siap diambil."),
                purpose="letter_ready",
                values=(("code", "S-7K2M"), ("village", "Sukamaju")),
            )
        ]
    )
    graph_api.errors.append(131047)
    template = Template("balai_surat_siap", "id", ("code",))
    await worker_for(core, graph, clock, {"letter_ready": template}).run_once()
    first, second = graph_api.sent(SITI)
    assert first.body["type"] == "text" and second.body["type"] == "template"
    assert second.body["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "S-7K2M"}
    ]


# --- status webhooks -------------------------------------------------------------------


@pytest.fixture
async def webhook(
    core, clock, graph, graph_api
) -> AsyncIterator[tuple[WhatsAppUser, OutboxWorker]]:  # type: ignore[no-untyped-def]
    """The WhatsApp webhook on 127.0.0.1 with the outbox recording statuses."""
    worker = worker_for(core, graph, clock)
    channel = WhatsAppChannel(
        core.runner,
        graph,
        Labels(),
        concurrency=2,
        hold_seconds=0.05,
        on_reports=worker.record_reports,
    )
    runner = web.AppRunner(whatsapp_app(channel, VERIFY_TOKEN, APP_SECRET))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/whatsapp/webhook"
    yield WhatsAppUser(graph_api, url, SITI, "Siti", channel.drain), worker
    await runner.cleanup()


def statuses(*items: tuple[str, str, int, int | None]) -> dict:  # type: ignore[type-arg]
    """A `statuses` webhook: (wamid, status, timestamp, error code) each."""
    found = []
    for wamid, status, at, code in items:
        item = {"id": wamid, "status": status, "timestamp": str(at), "recipient_id": SITI}
        if code is not None:
            item["errors"] = [{"code": code, "title": "error"}]
        found.append(item)
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_NUMBER_ID}}
    value["statuses"] = found
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


async def sent_notice(core, worker) -> OutboxMessage:  # type: ignore[no-untyped-def]
    from flows.engine.types import Outbound, Reply

    await core.runner.queue([Outbound("whatsapp", SITI, Reply("Laporan Anda diproses."))])
    await worker.run_once()
    [message] = [m for m in await outbox(core) if m.payload["text"] == "Laporan Anda diproses."]
    assert message.status == "sent" and message.external_message_id
    return message


async def test_statuses_never_go_backwards(core, webhook):
    siti, worker = webhook
    message = await sent_notice(core, worker)
    wamid = message.external_message_id
    # Sent, read, then a late "delivered": in one post and in two.
    assert await siti.post(statuses((wamid, "sent", 100, None), (wamid, "read", 102, None))) == 200
    assert await siti.post(statuses((wamid, "delivered", 101, None))) == 200
    await siti.settle()
    [message] = await outbox(core)
    assert message.delivery_state == "read"
    assert message.delivery_state_at is not None and message.delivery_state_at.timestamp() == 102


async def test_a_failed_status_131026_marks_the_person_unreachable(core, webhook):
    siti, worker = webhook
    await siti.says("halo")  # she has an identity on WhatsApp
    message = await sent_notice(core, worker)
    assert await siti.post(statuses((message.external_message_id, "failed", 100, 131026))) == 200
    await siti.settle()
    [message] = [m for m in await outbox(core) if m.id == message.id]
    assert message.status == "failed" and message.delivery_state == "failed"
    async with core.sessions() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == SITI)
        )
    assert identity is not None and identity.unreachable_at is not None


def test_templates_in_the_config_name_a_purpose_and_its_values():
    data = {
        "whatsapp_templates": {
            "case_status": {"name": "balai_status", "language": "id", "body": ["code", "status"]}
        }
    }
    assert parse_whatsapp_templates(data, "balai.toml") == {
        "case_status": Template("balai_status", "id", ("code", "status"))
    }
    with pytest.raises(SetupError, match="unknown purpose"):
        parse_whatsapp_templates({"whatsapp_templates": {"birthday": {}}}, "balai.toml")
    bad = {"whatsapp_templates": {"verified": {"name": "x", "body": ["nik"]}}}
    with pytest.raises(SetupError, match="this purpose has"):
        parse_whatsapp_templates(bad, "balai.toml")


def test_check_config_names_the_templates(db_url, tmp_path, capsys):
    config = tmp_path / "balai.toml"
    config.write_text(
        TWO_VILLAGES.read_text(encoding="utf-8")
        + '\n[whatsapp_templates.case_status]\nname = "balai_status_laporan"\n'
        + 'language = "id"\nbody = ["code", "status", "village"]\n',
        encoding="utf-8",
    )
    assert _check_config(argparse.Namespace(), settings_for(db_url, config)) == 0
    assert "case_status = balai_status_laporan (id)" in capsys.readouterr().out
