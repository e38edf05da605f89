"""Balai's own Bot API client: kept-alive connections that recover when Telegram closes
them, timeouts as PTB's errors, a bounded pool, and nothing half-read reused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from handlers.telegram.http import BotApiRequest

BODY = b'{"ok":true,"result":true}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)
Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A loopback HTTP server whose every move the test writes; counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        # One item per request read by a held-up behaviour, for tests to wait on.
        self.arrived: asyncio.Queue[None] = asyncio.Queue()
        self.requests: list[bytes] = []
        self.behave: Serve = self.answer_ok_and_keep_open
        self.url = ""

    async def answer_ok_and_keep_open(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while request := await _read_request(reader):
            self.requests.append(request)
            writer.write(OK)
            await writer.drain()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.behave(reader, writer)
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


@pytest.fixture
async def raw_server() -> AsyncIterator[RawServer]:
    server = RawServer()
    listening = await asyncio.start_server(server._accept, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}/bot123:abc/sendMessage"
    async with listening:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[BotApiRequest]:
    request = BotApiRequest(pool_size=2, read_timeout=1.0, pool_timeout=0.5)
    await request.initialize()
    yield request
    await request.shutdown()


def _message(text: str) -> RequestData:
    return RequestData(
        [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", text)]
    )


async def test_calls_share_one_kept_alive_connection(raw_server, client):
    for n in range(5):
        assert await client.post(raw_server.url, _message(f"halo {n}")) is True
    assert raw_server.connections == 1
    assert b"text=halo+4" in raw_server.requests[-1]


async def test_a_connection_telegram_closed_while_idle_is_replaced_without_an_error(
    raw_server, client
):
    async def answer_once_then_close(reader, writer):
        await _read_request(reader)
        writer.write(OK)
        await writer.drain()  # then the server closes it, as an idle keep-alive may be

    raw_server.behave = answer_once_then_close
    assert await client.post(raw_server.url, _message("satu")) is True
    assert await client.post(raw_server.url, _message("dua")) is True
    assert raw_server.connections == 2


async def test_a_slow_answer_is_timed_out_and_its_connection_not_reused(raw_server, client):
    async def answer_late(reader, writer):
        request = await _read_request(reader)
        raw_server.requests.append(request or b"")
        await asyncio.sleep(5)

    raw_server.behave = answer_late
    with pytest.raises(TimedOut):
        await client.post(raw_server.url, _message("lambat"), read_timeout=0.2)
    raw_server.behave = raw_server.answer_ok_and_keep_open
    assert await client.post(raw_server.url, _message("lagi")) is True
    assert raw_server.connections == 2


async def test_an_answer_cut_off_midway_is_a_network_error(raw_server, client):
    async def cut_off(reader, writer):
        await _read_request(reader)
        writer.write(OK[:40])
        await writer.drain()

    raw_server.behave = cut_off
    with pytest.raises(NetworkError):
        await client.post(raw_server.url, _message("putus"))


async def test_a_full_pool_waits_its_timeout_then_says_so(raw_server, client):
    release = asyncio.Event()

    async def hold_until_released(reader, writer):
        await _read_request(reader)
        raw_server.arrived.put_nowait(None)
        await release.wait()
        writer.write(OK)
        await writer.drain()

    raw_server.behave = hold_until_released
    held = [asyncio.create_task(client.post(raw_server.url, _message("tahan"))) for _ in range(2)]
    for _ in held:
        await raw_server.arrived.get()
    with pytest.raises(TimedOut, match="not sent"):
        await client.post(raw_server.url, _message("ketiga"))
    release.set()
    assert await asyncio.gather(*held) == [True, True]


async def test_a_cancelled_call_leaves_no_half_read_connection_behind(raw_server, client):
    answered = asyncio.Event()

    async def answer_when_told(reader, writer):
        while await _read_request(reader):
            raw_server.arrived.put_nowait(None)
            await answered.wait()
            writer.write(OK)
            await writer.drain()

    raw_server.behave = answer_when_told
    call = asyncio.create_task(client.post(raw_server.url, _message("batal")))
    await raw_server.arrived.get()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    answered.set()
    # The next call gets its own answer, not the one the cancelled call left unread.
    assert await client.post(raw_server.url, _message("baru")) is True
    assert raw_server.connections == 2
