"""`balai run` with WhatsApp as a village configures it: the config's templates reach the
outbox's sender, and Meta's status webhooks reach the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from storage.db import create_engine, session_factory
from storage.models import ChannelIdentity, OutboxMessage
from tests.conftest import TWO_VILLAGES
from tests.handlers.fake_bot_api import TelegramUser
from tests.handlers.whatsapp.test_whatsapp_window import statuses
from tests.helpers import fill_registration

ADMIN = "-1001000000001"
TEMPLATES = """

[whatsapp_templates.verified]
name = "balai_data_diverifikasi"
language = "id"
body = ["village"]
"""


async def _database(db_url: str, statement):  # type: ignore[no-untyped-def]
    """Run one statement in its own transaction, as another process would; its rows."""
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            result = await session.execute(statement)
            return result.all() if statement.is_select else []
    finally:
        await engine.dispose()


async def test_a_notice_outside_the_window_goes_as_the_configured_template_and_its_status_is_kept(
    whatsapp_balai, db_url, tmp_path
):
    config = tmp_path / "balai.toml"
    config.write_text(TWO_VILLAGES.read_text() + TEMPLATES)
    balai = await whatsapp_balai(config)
    siti = balai.person()
    await fill_registration(siti)
    # Siti last wrote two days ago: WhatsApp takes only a template from Balai now.
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await _database(
        db_url,
        update(ChannelIdentity)
        .where(ChannelIdentity.external_id == siti.wa_id)
        .values(last_inbound_at=two_days_ago),
    )

    api = balai.bot_api
    api.members[(ADMIN, "9001")] = "member"
    sekdes = TelegramUser(api, 9001, "Pak Sekdes", chat_id=ADMIN)
    await api.wait_for(lambda c: c.chat_id == ADMIN and "Warga baru" in c.text)
    await sekdes.taps("Verifikasi")
    sent = await balai.graph.wait_for(
        lambda c: c.to == siti.wa_id and c.body.get("type") == "template", within=15
    )
    template = sent.body["template"]
    assert template["name"] == "balai_data_diverifikasi"
    assert template["components"][0]["parameters"] == [{"type": "text", "text": "Sukamaju"}]

    [(wamid,)] = await _database(
        db_url,
        select(OutboxMessage.external_message_id).where(OutboxMessage.chat_id == siti.wa_id),
    )
    assert await siti.post(statuses((wamid, "delivered", 100, None))) == 200
    await siti.settle()
    [(state,)] = await _database(
        db_url, select(OutboxMessage.delivery_state).where(OutboxMessage.chat_id == siti.wa_id)
    )
    assert state == "delivered"


async def test_the_whatsapp_server_counts_its_messages_and_metas_errors_by_code(
    whatsapp_balai, graph_api
):
    import aiohttp
    from prometheus_client.parser import text_string_to_metric_families

    balai = await whatsapp_balai()
    # The reply's first send is refused for sending too fast to one person (retried later).
    graph_api.errors = [131056]
    siti = balai.person()
    await siti.says("halo")
    # The refused send, then the same reply again from the outbox.
    await graph_api.wait_for(
        lambda _c: len([c for c in graph_api.sent(siti.wa_id) if not c.is_read_mark]) >= 2,
        within=15,
    )
    base = balai.webhook_url.rsplit("/whatsapp/webhook", 1)[0]
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        assert response.status == 200
        scraped = await response.text()
    found = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
    }
    text_handled = frozenset({("channel", "whatsapp"), ("kind", "text"), ("outcome", "ok")})
    assert found[("balai_updates_total", text_handled)] == 1
    graph_error = frozenset({("api", "graph_api"), ("code", "131056")})
    assert found[("balai_api_errors_total", graph_error)] == 1
