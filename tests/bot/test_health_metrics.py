"""What someone on call sees: /metrics and /healthz read from a real database, and one log
line per handled update that carries no one's data."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import OUTBOX_STUCK_SECONDS, Metrics
from storage import outbox as outbox_rows
from tests.helpers import Person, fill_registration, outbox, register

NIK = "1804074107900002"
PHONE = "081234567890"
SENDER = "700123456"


def samples(exposition: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition.decode())
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def watched(core, clock) -> Metrics:
    metrics = Metrics()
    metrics.attach(core.sessions, clock)
    core.runner.on_handled = metrics.observe
    return metrics


async def test_metrics_count_handled_updates_and_read_the_outbox_as_it_stands(core, clock):
    metrics = watched(core, clock)
    siti = Person(core, user_id=SENDER)
    await register(siti)  # a command, button presses, typed answers; queues the officials' card
    await siti.says("/daftar")
    queued = await outbox(core)
    assert queued
    async with core.sessions() as session, session.begin():
        await outbox_rows.mark_failed(session, queued[0].id, 5, "gave up")
    clock.advance(minutes=3)

    found = samples(await metrics.exposition())

    handled = sum(v for (name, _labels), v in found.items() if name == "balai_updates_total")
    assert handled >= 9
    assert (
        value(found, "balai_updates_total", channel="telegram", kind="command", outcome="ok") == 2
    )
    assert value(found, "balai_updates_total", channel="telegram", kind="choice", outcome="ok") >= 3
    assert value(found, "balai_updates_total", channel="telegram", kind="text", outcome="ok") >= 3
    assert value(found, "balai_update_seconds_count", channel="telegram") == handled
    assert value(found, "balai_update_seconds_bucket", channel="telegram", le="+Inf") == handled
    assert value(found, "balai_database_up") == 1
    pending = len(queued) - 1
    assert value(found, "balai_outbox_depth", status="pending") == pending
    assert value(found, "balai_outbox_dead_letters") == 1
    if pending:
        assert value(found, "balai_outbox_oldest_due_seconds", lane="notifications") == 180
    assert value(found, "balai_broadcasts_in_progress") == 0
    assert value(found, "balai_last_update_timestamp_seconds", channel="telegram") > 0


async def test_health_fails_on_the_outbox_when_a_notification_waits_too_long(core, clock):
    metrics = watched(core, clock)
    await register(Person(core, user_id=SENDER))
    assert await outbox(core)

    healthy, body = await metrics.health()
    assert healthy, body
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["updates"]["last_handled_seconds_ago"]["telegram"] >= 0

    clock.advance(seconds=OUTBOX_STUCK_SECONDS + 60)
    healthy, body = await metrics.health()
    assert not healthy
    assert body["failing"] == ["outbox"]
    assert body["checks"]["outbox"]["oldest_due_seconds"]["notifications"] >= OUTBOX_STUCK_SECONDS


async def test_each_update_logs_one_line_with_its_fields_and_nobodys_data(core, caplog):
    caplog.set_level(logging.DEBUG)
    siti = Person(core, user_id=SENDER)
    await fill_registration(siti, name="Siti Aminah", nik=NIK, phone=PHONE)
    await siti.says("tolong jalan rusak di dekat rumah saya")

    lines = [r for r in caplog.records if r.name == "balai.updates"]
    assert len(lines) == 10  # /daftar, eight answers, one free text
    for line in lines:
        assert line.channel == "telegram"
        assert line.outcome == "ok"
        assert line.chat == "private"
        assert isinstance(line.latency_ms, float)
        assert line.kind in ("command", "choice", "text")
    assert [(line.flow, line.step) for line in lines[:3]] == [
        ("registration", "consent"),
        ("registration", "consent"),
        ("registration", "village"),
    ]
    assert "flow=registration step=nik" in lines[4].getMessage()
    assert "kind=text" in lines[4].getMessage()
    everything = "\n".join(f"{r.getMessage()} {sorted(vars(r).items())}" for r in caplog.records)
    for secret in (NIK, PHONE, SENDER, "Siti Aminah", "003/005", "jalan rusak"):
        assert secret not in everything


async def test_a_step_that_breaks_is_logged_as_an_error_outcome(core, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    siti = Person(core, user_id=SENDER)
    await fill_registration(siti, until="nik")

    async def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("flows.engine.form.handle", broken)
    await siti.says(NIK)

    line = [r for r in caplog.records if r.name == "balai.updates"][-1]
    assert (line.flow, line.step, line.outcome) == ("registration", "nik", "error")
    assert "maaf" in siti.text.lower()


def test_json_log_format_prints_one_json_object_per_line():
    probe = (
        "from bot.settings import configure_logging; configure_logging('INFO', 'json'); "
        "from flows.engine.handled import Handled, record; "
        "record(Handled('whatsapp', 'photo', 'private', 'complaint', 'photo', 'ok', 0.0123)); "
        "import logging; logging.getLogger('bot').warning('plain %s', 'line')"
    )
    printed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stderr
    update, plain = (json.loads(line) for line in printed.strip().splitlines())
    assert update["logger"] == "balai.updates"
    assert update["level"] == "INFO"
    assert (update["channel"], update["kind"], update["flow"], update["step"]) == (
        "whatsapp",
        "photo",
        "complaint",
        "photo",
    )
    assert update["outcome"] == "ok"
    assert update["latency_ms"] == 12.3
    assert plain["message"] == "plain line"
    assert "time" in plain


def test_polling_without_a_metrics_port_loads_no_metrics_or_json_logging():
    probe = (
        "import sys, bot.cli, bot.runtime, bot.app, handlers.telegram.bot; "
        "lean = sorted(m for m in ('prometheus_client', 'pythonjsonlogger') if m in sys.modules); "
        "import bot.monitor; "
        "print(lean, 'aiohttp' in sys.modules)"
    )
    printed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    # And the local metrics port itself does without aiohttp.
    assert printed == "[] False"
