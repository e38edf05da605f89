"""Balai's Prometheus metrics and its health check, read at scrape time.

Imported only where they are served (the webhook server, or BALAI_METRICS_PORT): a
polling Balai without either never loads prometheus_client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.engine.handled import Handled
from storage import outbox
from storage.health import OutboxState, outbox_state

# A notification or an officials' card due this long and still not sent: the outbox is
# stuck (the worker died, or the chat app refuses everything). A full admin group takes
# 20 messages a minute, so a burst of cards may wait a few minutes; ten is not a burst.
OUTBOX_STUCK_SECONDS = 600
# A database that does not answer within this is as good as down for the people writing.
CHECK_TIMEOUT_SECONDS = 5
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PRIORITY_NAMES = {
    outbox.URGENT: "notifications",
    outbox.EMERGENCY_BROADCAST: "emergency_announcements",
    outbox.BROADCAST: "announcements",
}
CONTENT_TYPE = CONTENT_TYPE_LATEST
BOT_API, GRAPH_API = "bot_api", "graph_api"


class Metrics:
    """The counters one Balai process keeps, and what it reads from the database when
    scraped or asked whether it is healthy."""

    def __init__(self) -> None:
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._clock: Callable[[], datetime] | None = None
        self.registry = CollectorRegistry()
        self._updates = Counter(
            "balai_updates",
            "Updates handled, by channel, kind of message and outcome.",
            ("channel", "kind", "outcome"),
            registry=self.registry,
        )
        self._latency = Histogram(
            "balai_update_seconds",
            "Time from an update reaching the runner until its step was saved.",
            ("channel",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._api_errors = Counter(
            "balai_api_errors",
            "Error answers (HTTP status or Meta's error code) and failed calls "
            "(network, timeout) of the Bot API and the Graph API.",
            ("api", "code"),
            registry=self.registry,
        )
        # Wall-clock time of the last update handled, per channel (for /healthz too).
        self.last_update: dict[str, float] = {}
        self._scraped = _ScrapedState(self.last_update)
        self.registry.register(self._scraped)
        ProcessCollector(registry=self.registry)

    def attach(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        """The database to read at scrape time (known once the core is built)."""
        self._sessions = sessions
        self._clock = clock

    def observe(self, handled: Handled) -> None:
        """Count one handled update (the runner's on_handled)."""
        self._updates.labels(handled.channel, handled.kind, handled.outcome).inc()
        self._latency.labels(handled.channel).observe(handled.seconds)
        self.last_update[handled.channel] = time.time()

    def api_error(self, api: str) -> Callable[[str], None]:
        """A counter of `api`'s errors by code, for its client to call."""

        def count(code: str) -> None:
            self._api_errors.labels(api, code).inc()

        return count

    async def read(self) -> OutboxState:
        """The database's part, read now (raises when the database cannot answer)."""
        if self._sessions is None or self._clock is None:
            raise RuntimeError("metrics read before the database was attached")
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self._sessions() as session:
            return await outbox_state(session, self._clock())

    async def exposition(self) -> bytes:
        """/metrics: the counters, and the outbox and broadcasts as they stand now."""
        try:
            self._scraped.state = await self.read()
        except Exception as exc:
            # The scrape still answers (the counters say what the process did); the
            # database gauges are left out and balai_database_up says why.
            self._scraped.state = None
            self._scraped.error = type(exc).__name__
        return generate_latest(self.registry)

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """/healthz: whether Balai is healthy, and each check's finding."""
        checks: dict[str, dict[str, Any]] = {}
        try:
            state = await self.read()
        except Exception as exc:
            checks["database"] = {"ok": False, "error": type(exc).__name__}
            checks["outbox"] = {"ok": None, "error": "the database did not answer"}
        else:
            checks["database"] = {"ok": True}
            urgent = state.oldest_due_seconds.get(outbox.URGENT, 0.0)
            checks["outbox"] = {
                "ok": urgent <= OUTBOX_STUCK_SECONDS,
                "oldest_due_seconds": {
                    PRIORITY_NAMES.get(p, str(p)): round(s, 1)
                    for p, s in sorted(state.oldest_due_seconds.items())
                },
                "depth": state.depth,
                "dead_letters": state.dead_letters,
            }
        now = time.time()
        # Reported, never failing: a village may be quiet for hours at night.
        checks["updates"] = {
            "ok": True,
            "last_handled_seconds_ago": {
                channel: round(now - at, 1) for channel, at in sorted(self.last_update.items())
            },
        }
        failing = [name for name, check in checks.items() if check["ok"] is False]
        body = {"status": "failing" if failing else "ok", "failing": failing, "checks": checks}
        return not failing, body


class _ScrapedState(Collector):
    """Gauges from the database state read for the current scrape (not from a loop)."""

    def __init__(self, last_update: dict[str, float]) -> None:
        self.state: OutboxState | None = None
        self.error = ""
        self._last_update = last_update

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "balai_database_up", "1 when the database answered this scrape's query."
        )
        up.add_metric([], 0 if self.state is None else 1)
        yield up
        last = GaugeMetricFamily(
            "balai_last_update_timestamp_seconds",
            "When this process last handled an update, per channel (Unix time).",
            labels=("channel",),
        )
        for channel, at in sorted(self._last_update.items()):
            last.add_metric([channel], at)
        yield last
        state = self.state
        if state is None:
            return
        depth = GaugeMetricFamily(
            "balai_outbox_depth",
            "Outbox messages not yet delivered, by status (waiting: until the person "
            "writes again, for WhatsApp's 24-hour window).",
            labels=("status",),
        )
        for status in (outbox.PENDING, outbox.SENDING, outbox.WAITING):
            depth.add_metric([status], state.depth.get(status, 0))
        yield depth
        oldest = GaugeMetricFamily(
            "balai_outbox_oldest_due_seconds",
            "How long the oldest message due to be sent has waited, by lane (0 when none is due).",
            labels=("lane",),
        )
        for priority, name in PRIORITY_NAMES.items():
            oldest.add_metric([name], state.oldest_due_seconds.get(priority, 0.0))
        yield oldest
        yield GaugeMetricFamily(
            "balai_outbox_dead_letters",
            "Outbox messages that failed for good (dead letters).",
            value=state.dead_letters,
        )
        yield GaugeMetricFamily(
            "balai_broadcasts_in_progress",
            "Announcements being sent now.",
            value=state.broadcasts_sending,
        )
