"""The web simulator's server: what the page is given to show."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.app import Core
from handlers.simulator.hub import Hub
from handlers.simulator.server import simulator_app
from tests.helpers import audit

Serve = Callable[[str], Awaitable[str]]


@pytest.fixture
async def serve(one_village_core: Core) -> AsyncIterator[Serve]:
    """Serve the simulator page in a language; gives its address."""
    runners: list[web.AppRunner] = []

    async def start(locale: str) -> str:
        core = one_village_core
        gettext = core.services.translations(locale).gettext
        app = simulator_app(core.runner, Hub(), core.services.villages, gettext)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_guest_persona_name_goes_through_gettext(serve, one_village_core):
    """Regression: the guest persona's name was the one page text not in the catalogues."""
    names = {}
    async with aiohttp.ClientSession() as http:
        for locale in ("id", "en"):
            async with http.get(f"{await serve(locale)}/api/state") as response:
                state = await response.json()
            names[locale] = {p["id"]: p["name"] for p in state["officials"]}
        assert names["id"]["tamu-1"] == "Tamu (bukan petugas)"
        assert names["en"]["tamu-1"] == "Guest (not an official)"
        assert names["id"]["petugas-1"] == names["en"]["petugas-1"] == "Pak Sekdes"  # a name

        # The admin chat records the guest under the name the page shows.
        [village] = one_village_core.services.villages
        page = await serve("id")
        message = {"persona": "tamu-1", "chat": village.admin_chat_id, "text": "/bantuan"}
        async with http.post(f"{page}/api/send", json=message) as response:
            assert response.status == 200
    [refused] = await audit(one_village_core)
    assert (refused.actor_name, refused.outcome) == ("Tamu (bukan petugas)", "refused")
