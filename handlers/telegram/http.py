"""PTB's calls to the Bot API over keep-alive HTTP/1.1 connections of our own.

PTB's default request goes through httpx, httpcore and anyio: about 0.45 ms of CPU per
call on top of the network, three or four layers of timeouts, cancel scopes and pools,
for what is one small form POST to one host. Every update costs two or three calls (the long
poll, the reply, the answer to a press), so that was the largest part of Balai's CPU
per update. Here a call is h11 (the HTTP/1.1 state machine httpcore itself uses) over
an asyncio stream, about 0.07 ms. Uploads (multipart) still go through PTB's own
HTTPXRequest: they are rare and large, and multipart encoding is not ours to write.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import h11
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_READ_CHUNK = 65536


class _Connection:
    """One open connection to the Bot API host and its HTTP/1.1 state."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.http = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.writer.close()


class BotApiRequest(BaseRequest):
    """A BaseRequest for python-telegram-bot: at most `pool_size` connections at once,
    kept open between calls; timeouts as PTB passes them (seconds; None waits)."""

    def __init__(
        self,
        pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._slots = asyncio.Semaphore(pool_size)
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None
        self._uploads: HTTPXRequest | None = None
        self._open = False

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        self._open = True

    async def shutdown(self) -> None:
        self._open = False
        for idle in self._idle.values():
            while idle:
                idle.popleft().close()
        if self._uploads is not None:
            await self._uploads.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if not self._open:
            raise RuntimeError("This BotApiRequest is not initialized!")
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if request_data is not None and request_data.contains_files:
            return await (await self._upload_request()).do_request(
                url, method, request_data, *timeouts
            )
        read, write, connect, pool = (
            self._timeouts[name] if isinstance(given, DefaultValue) else given
            for name, given in zip(("read", "write", "connect", "pool"), timeouts, strict=True)
        )
        # Form-encoded, as PTB's own request sends it (nested values as JSON text).
        body = request_data.url_encoded_parameters().encode() if request_data else b""
        try:
            async with asyncio.timeout(pool):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise TimedOut(
                "Pool timeout: all connections are busy; the request was not sent."
            ) from exc
        try:
            return await self._exchange(url, method, body, read, write, connect)
        finally:
            self._slots.release()

    async def _exchange(
        self,
        url: str,
        method: str,
        body: bytes,
        read: float | None,
        write: float | None,
        connect: float | None,
    ) -> tuple[int, bytes]:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "", parts.port or _default_port(parts.scheme))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = h11.Request(
            method=method,
            target=target,
            headers=[
                ("Host", parts.netloc),
                ("User-Agent", self.USER_AGENT),
                *((("Content-Type", "application/x-www-form-urlencoded"),) if body else ()),
                ("Content-Length", str(len(body))),
            ],
        )
        while True:
            connection = self._idle_connection(origin)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(origin, connect)
            try:
                status, payload = await self._send(connection, request, body, read, write)
            except _StaleConnection:
                # The host closed an idle connection before our request reached it:
                # nothing was sent, so the call is made again on a new connection.
                connection.close()
                if reused:
                    continue
                raise NetworkError("the Bot API closed the connection") from None
            except BaseException:
                connection.close()  # half a request or response: the connection is spent
                raise
            self._keep_or_close(origin, connection)
            return status, payload

    async def _send(
        self,
        connection: _Connection,
        request: h11.Request,
        body: bytes,
        read: float | None,
        write: float | None,
    ) -> tuple[int, bytes]:
        http = connection.http
        status, chunks, received = 0, [], False
        try:
            async with asyncio.timeout(write):
                data = http.send(request) or b""
                if body:
                    data += http.send(h11.Data(data=body)) or b""
                connection.writer.write(data + (http.send(h11.EndOfMessage()) or b""))
                await connection.writer.drain()
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    async with asyncio.timeout(read):
                        data = await connection.reader.read(_READ_CHUNK)
                    if not data and not received:
                        raise _StaleConnection
                    received = True
                    http.receive_data(data)
                elif isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    return status, b"".join(chunks)
        except TimeoutError as exc:
            raise TimedOut from exc
        except (OSError, h11.ProtocolError) as exc:
            if isinstance(exc, ConnectionError) and not received:
                raise _StaleConnection from exc
            raise NetworkError(f"Bot API connection failed: {type(exc).__name__}") from exc

    def _idle_connection(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    def _keep_or_close(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        http = connection.http
        if self._open and http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
            self._idle.setdefault(origin, deque()).append(connection)
        else:
            connection.close()

    async def _connect(self, origin: tuple[str, str, int], within: float | None) -> _Connection:
        scheme, host, port = origin
        tls = self._tls_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(within):
                reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        except TimeoutError as exc:
            raise TimedOut("Connecting to the Bot API timed out") from exc
        except OSError as exc:
            raise NetworkError(f"Could not connect to the Bot API: {type(exc).__name__}") from exc
        return _Connection(reader, writer)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    async def _upload_request(self) -> HTTPXRequest:
        if self._uploads is None:
            self._uploads = HTTPXRequest(
                connection_pool_size=4,
                read_timeout=self._timeouts["read"],
                write_timeout=self._timeouts["write"],
                connect_timeout=self._timeouts["connect"],
                pool_timeout=self._timeouts["pool"],
            )
            await self._uploads.initialize()
        return self._uploads


class _StaleConnection(Exception):
    """The connection was closed by the host before any of our request was answered."""


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
