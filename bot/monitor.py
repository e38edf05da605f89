"""Serving /metrics and /healthz: on the aiohttp server when Balai runs one, else (polling)
on BALAI_METRICS_PORT by a small threaded HTTP server of the standard library, so a
polling Balai never loads aiohttp for it."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from bot.metrics import CONTENT_TYPE, Metrics

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

METRICS_PATH, HEALTH_PATH = "/metrics", "/healthz"
# A scrape waits at most this long for the event loop (busy or stopping) to answer.
ANSWER_SECONDS = 15


async def health_answer(metrics: Metrics) -> tuple[int, bytes]:
    """The /healthz status and JSON body: 200 when healthy, 503 naming what fails."""
    healthy, body = await metrics.health()
    return (200 if healthy else 503), json.dumps(body).encode()


def add_routes(app: web.Application, metrics: Metrics) -> None:
    """Serve /metrics and /healthz on an aiohttp app (the webhook server)."""
    from aiohttp import web

    async def scrape(_request: web.Request) -> web.Response:
        return web.Response(body=await metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    async def healthz(_request: web.Request) -> web.Response:
        status, body = await health_answer(metrics)
        return web.Response(status=status, body=body, content_type="application/json")

    app.router.add_get(METRICS_PATH, scrape)
    app.router.add_get(HEALTH_PATH, healthz)


class LocalPort:
    """/metrics and /healthz on host:port in a thread; each answer is computed on the
    bot's event loop (the database is asyncio's), the thread only waits for it."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self._metrics = metrics
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the system's choice for 0)."""
        return self._server.server_address[1] if self._server else self._port

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._server = ThreadingHTTPServer((self._host, self._port), _handler(self._metrics, loop))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="balai-metrics", daemon=True
        )
        self._thread.start()
        log.info("metrics and health on http://%s:%d%s", self._host, self.port, METRICS_PATH)

    async def stop(self) -> None:
        if self._server is not None:
            # shutdown() waits for serve_forever to return: not on the event loop.
            await asyncio.to_thread(self._server.shutdown)
            self._server.server_close()
            self._server = None


def _handler(metrics: Metrics, loop: asyncio.AbstractEventLoop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            try:
                if path == METRICS_PATH:
                    status, body, kind = 200, self._on_loop(metrics.exposition()), CONTENT_TYPE
                elif path == HEALTH_PATH:
                    status, body = self._on_loop(health_answer(metrics))
                    kind = "application/json"
                else:
                    status, body, kind = 404, b"not found\n", "text/plain"
            except (TimeoutError, RuntimeError) as exc:
                # The event loop did not answer in time (or is gone): that is unhealthy.
                status, kind = 503, "text/plain"
                body = f"Balai did not answer ({type(exc).__name__})\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _on_loop(self, work: Coroutine[Any, Any, Any]) -> Any:
            future = asyncio.run_coroutine_threadsafe(work, loop)
            try:
                return future.result(ANSWER_SECONDS)
            except TimeoutError:
                future.cancel()
                raise

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a scrape every few seconds is not news

    return Handler
