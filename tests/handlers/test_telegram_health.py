"""/metrics and /healthz as a scraper reaches them: on the webhook server, and on the local
port of a polling Balai."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime import serve_telegram
from handlers.telegram.webhook import PATH, SECRET_HEADER
from tests import postgres
from tests.conftest import POSTGRES_URL, TWO_VILLAGES, settings_for
from tests.e2e.test_simulator_browser import free_port
from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser

SECRET = "s3cret-token"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def ruin(db_url: str) -> None:
    """Write over the database file (and its WAL and shared memory) in place; on
    PostgreSQL, cut the database off."""
    if db_url.startswith("postgresql"):
        await postgres.cut_off(POSTGRES_URL, db_url)
        return
    path = Path(db_url.split("///", 1)[1])
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists():
            size = max(part.stat().st_size, 4096)
            with part.open("r+b") as file:
                file.write(b"\xff" * size)


async def test_webhook_server_serves_metrics_and_health_of_the_updates_it_took(
    bot_api: FakeBotApi, db_url: str
):
    port = free_port()
    settings = settings_for(
        db_url,
        TWO_VILLAGES,
        BALAI_TELEGRAM_TOKEN=bot_api.token,
        BALAI_TELEGRAM_API_URL=bot_api.url,
        BALAI_WEBHOOK_URL="https://desa.example/telegram/webhook",
        BALAI_WEBHOOK_SECRET=SECRET,
        BALAI_WEBHOOK_PORT=str(port),
    )
    # The command menu's call fails once: a Bot API error to count.
    bot_api.failures["setMyCommands"] = [
        {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    ]
    stop = asyncio.Event()
    task = asyncio.create_task(serve_telegram(settings, stop, webhook=True))
    base = f"http://127.0.0.1:{port}"
    try:
        await bot_api.wait_for(lambda c: c.method == "setWebhook")
        budi = TelegramUser(bot_api, 2002, "Budi")
        async with aiohttp.ClientSession() as http:
            for n, text in enumerate(("/start", "halo", "/bantuan"), start=1):
                update = {"update_id": n, **budi.text_update(text)}
                async with http.post(
                    base + PATH, json=update, headers={SECRET_HEADER: SECRET}
                ) as response:
                    assert response.status == 200
                await bot_api.wait_for(
                    lambda c, n=n: c.method == "sendMessage" and len(bot_api.sent_to(2002)) >= n
                )
            async with http.get(base + "/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain")
                found = samples(await response.text())
            async with http.get(base + "/healthz") as response:
                assert response.status == 200
                healthy = await response.json()

            await ruin(db_url)
            async with http.get(base + "/healthz") as response:
                assert response.status == 503
                failing = await response.json()
            async with http.get(base + "/metrics") as response:
                assert response.status == 200
                after = samples(await response.text())
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)

    assert (
        value(found, "balai_updates_total", channel="telegram", kind="command", outcome="ok") == 2
    )
    assert value(found, "balai_updates_total", channel="telegram", kind="text", outcome="ok") == 1
    assert value(found, "balai_update_seconds_count", channel="telegram") == 3
    assert value(found, "balai_api_errors_total", api="bot_api", code="500") == 1
    assert value(found, "balai_database_up") == 1
    assert ("balai_outbox_depth", frozenset({("status", "pending")})) in found
    assert healthy["status"] == "ok"
    assert healthy["checks"]["updates"]["last_handled_seconds_ago"]["telegram"] < 60
    assert failing["status"] == "failing"
    assert failing["failing"] == ["database"]
    assert value(after, "balai_database_up") == 0
    assert (
        value(after, "balai_updates_total", channel="telegram", kind="command", outcome="ok") == 2
    )


async def test_polling_balai_answers_on_its_local_metrics_port(bot_api: FakeBotApi, balai):
    port = free_port()
    await balai(BALAI_METRICS_PORT=str(port))
    await TelegramUser(bot_api, 2002, "Budi").says("/start")

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    status, metrics = await asyncio.to_thread(get, "/metrics")
    assert status == 200
    found = samples(metrics)
    assert (
        value(found, "balai_updates_total", channel="telegram", kind="command", outcome="ok") == 1
    )
    assert value(found, "balai_database_up") == 1
    status, health = await asyncio.to_thread(get, "/healthz")
    assert status == 200
    assert json.loads(health)["checks"]["database"] == {"ok": True}
    status, _ = await asyncio.to_thread(get, "/telegram/webhook")
    assert status == 404
