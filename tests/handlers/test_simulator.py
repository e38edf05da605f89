"""The web simulator's server: what the page is given to show, and who counts as an official."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import Core, build_core
from bot.config import load_villages
from handlers.simulator.hub import CHANNEL, Hub
from handlers.simulator.officials import SimulatorOfficials, officials_of
from storage.models import Announcement
from tests.bot.test_broadcast import seed
from tests.conftest import EXAMPLE, TWO_VILLAGES, settings_for
from tests.helpers import audit, serve_simulator

Serve = Callable[[str], Awaitable[str]]


@pytest.fixture
async def serve(one_village_core: Core) -> AsyncIterator[Serve]:
    """Serve the simulator page in a language; gives its address."""
    runners: list[web.AppRunner] = []

    async def start(locale: str) -> str:
        return await serve_simulator(one_village_core, Hub(), locale, runners)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def simulated(
    db_url: str,
) -> AsyncIterator[Callable[[Path], Awaitable[tuple[Core, Hub, str]]]]:
    """The simulator as `balai demo` wires it for a config: its officials decide membership."""
    cores: list[Core] = []
    runners: list[web.AppRunner] = []

    async def start(config: Path) -> tuple[Core, Hub, str]:
        villages = load_villages(config)
        officials = SimulatorOfficials(officials_of(villages))
        core = await build_core(
            settings_for(db_url, config), officials, admin_channel=CHANNEL, villages=villages
        )
        cores.append(core)
        hub = Hub()
        return core, hub, await serve_simulator(core, hub, "id", runners)

    yield start
    for runner in runners:
        await runner.cleanup()
    for core in cores:
        await core.close()


async def _state(page: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{page}/api/state") as response:
        state: dict[str, Any] = await response.json()
        return state


async def _send(page: str, persona: str, chat: str, text: str) -> None:
    message = {"persona": persona, "chat": chat, "text": text}
    async with aiohttp.ClientSession() as http, http.post(f"{page}/api/send", json=message) as sent:
        assert sent.status == 200


async def test_guest_persona_name_goes_through_gettext(serve, one_village_core):
    """Regression: the guest persona's name was the one page text not in the catalogues."""
    names = {}
    for locale in ("id", "en"):
        state = await _state(await serve(locale))
        names[locale] = {p["id"]: p["name"] for p in state["officials"]}
    assert names["id"]["tamu-1"] == "Tamu (bukan petugas)"
    assert names["en"]["tamu-1"] == "Guest (not an official)"
    # A configured official's name is a name: the same in every language.
    assert names["id"]["petugas-18.04.07.2001-2"] == names["en"]["petugas-18.04.07.2001-2"]

    # The admin chat records the guest under the name the page shows.
    [village] = one_village_core.services.villages
    await _send(await serve("id"), "tamu-1", village.admin_chat_id, "/bantuan")
    [refused] = await audit(one_village_core)
    assert (refused.actor_name, refused.outcome) == ("Tamu (bukan petugas)", "refused")


async def test_simulator_officials_are_the_example_villages_contacts(serve):
    """Regression: the example village's Sekdes is Ibu Wahyuni, but the simulator's official
    was a "Pak Sekdes" of its own."""
    state = await _state(await serve("id"))
    admin_chat = state["villages"][0]["admin_chat"]
    officials = [(p["name"], p["role"], p["official"], p["village"]) for p in state["officials"]]
    assert officials == [
        ("Bapak Suparman", "Kepala Desa", True, admin_chat),
        ("Ibu Wahyuni", "Sekretaris Desa", True, admin_chat),
        ("Bripka Hendra", "Bhabinkamtibmas", True, admin_chat),
        ("Tamu (bukan petugas)", "", False, None),
    ]


async def test_configured_official_acts_in_own_village_only(simulated):
    """Ibu Wahyuni, the example village's Sekdes, gets the officials' help in her village's
    chat and is recorded by her own name; in another village's chat she is refused."""
    core, hub, page = await simulated(EXAMPLE)
    [village] = core.services.villages
    sekdes = next(p for p in (await _state(page))["officials"] if p["name"] == "Ibu Wahyuni")
    await _send(page, sekdes["id"], village.admin_chat_id, "/bantuan")
    [asked, answer] = hub.lines(village.admin_chat_id)
    assert asked.sender == sekdes["id"]
    assert "Sukamaju" in answer.text and "hanya untuk petugas" not in answer.text
    assert await audit(core) == []  # nothing refused

    two, hub, page = await simulated(TWO_VILLAGES)
    sukamaju, sukamakmur = two.services.villages
    officials = (await _state(page))["officials"]
    # A village without contacts in its config still has someone to act for it.
    assert [(p["name"], p["village"]) for p in officials if p["official"]] == [
        ("Petugas desa", sukamaju.admin_chat_id),
        ("Petugas desa", sukamakmur.admin_chat_id),
    ]
    await _send(page, officials[0]["id"], sukamakmur.admin_chat_id, "/bantuan")
    [refused] = await audit(two)
    assert (refused.actor_name, refused.outcome) == ("Petugas desa", "refused")
    assert "hanya untuk petugas Desa Sukamakmur" in hub.lines(sukamakmur.admin_chat_id)[-1].text


async def test_sent_media_bubbles_name_what_was_sent(serve, one_village_core):
    """Regression: a photo, a voice note or a file showed as a lone emoji, a blank box in a
    browser without an emoji font."""
    hub_page = await serve("id")
    for what in ("photo", "voice", "document", "location"):
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{hub_page}/api/send", json={"persona": "warga-1", "chat": "warga-1", what: True}
            ) as sent,
        ):
            assert sent.status == 200
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{hub_page}/api/messages?chat=warga-1") as response,
    ):
        lines = (await response.json())["messages"]
    said = [line["text"] for line in lines if line["sender"] == "warga-1"]
    assert said == ["📷 Foto", "🎤 Pesan suara", "📎 File", "📍 Lokasi"]


async def test_page_open_across_a_restart_gets_the_new_chat_whole(one_village_core):
    """Regression: after the demo restarted (e.g. to reset its data) message ids began at 1
    again, and a page still open asked only for ids above its old last one: it showed
    nothing new until a reload."""
    runners: list[web.AppRunner] = []
    try:
        before = Hub()
        page = await serve_simulator(one_village_core, before, "id", runners)
        await _send(page, "warga-1", "warga-1", "/start")
        async with aiohttp.ClientSession() as http:
            url = f"{page}/api/messages?chat=warga-1&after=0&boot={before.boot}"
            async with http.get(url) as response:
                seen = await response.json()
            last = seen["messages"][-1]["id"]
            assert seen["boot"] == before.boot and last >= 2

            after = Hub()  # the restarted demo: same database, fresh chats
            page = await serve_simulator(one_village_core, after, "id", runners)
            await _send(page, "warga-1", "warga-1", "/bantuan")
            url = f"{page}/api/messages?chat=warga-1&after={last}&boot={before.boot}"
            async with http.get(url) as response:
                fresh = await response.json()
        assert fresh["boot"] == after.boot != before.boot
        assert fresh["messages"][0] == {**fresh["messages"][0], "id": 1, "text": "/bantuan"}
    finally:
        for runner in runners:
            await runner.cleanup()


async def test_admin_pane_can_send_a_photo(serve):
    """Regression: ✅ Selesai invites a photo of the work done, but the admin pane had only a
    File button."""
    page = await serve("id")
    async with aiohttp.ClientSession() as http:
        async with http.get(page) as response:
            html = await response.text()
        async with http.get(f"{page}/static/app.js") as response:
            script = await response.text()
    admin = html[html.index('id="admin"') :]
    assert 'data-testid="admin-photo"' in admin
    assert (
        'getElementById("admin-photo").addEventListener("click", '
        "() => send(admin, { photo: true }))" in script
    )


async def test_compose_preview_shows_the_residents_buttons_which_only_say_so(simulated):
    """In the simulator's admin chat the preview has the resident's buttons; a press only
    adds the note, and the summary's ✅ Kirim still sends."""
    core, hub, page = await simulated(EXAMPLE)
    [village] = core.services.villages
    chat = village.admin_chat_id
    sekdes = next(p for p in (await _state(page))["officials"] if p["name"] == "Ibu Wahyuni")
    await seed(core, 1, village=village.code)  # sending now to nobody is refused

    async def press(label: str) -> None:
        button = next(
            b
            for line in reversed(hub.lines(chat))
            for row in line.buttons
            for b in row
            if label in b["label"]
        )
        message = {"persona": sekdes["id"], "chat": chat, "choice": button["value"], "label": label}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{page}/api/send", json=message) as sent,
        ):
            assert sent.status == 200

    await _send(page, sekdes["id"], chat, "/umumkan")
    await _send(page, sekdes["id"], chat, "Kerja bakti Minggu pagi.")
    for label in ("🏘️", "⚠️", "⚡"):
        await press(label)
    preview, summary = hub.lines(chat)[-2:]
    assert preview.text.startswith("⚠️ Penting · Desa")
    assert [b["label"] for row in preview.buttons for b in row] == [
        "✅ Sudah saya baca",
        "🔕 Berhenti topik ini",
    ]
    assert "Akan dikirim ke 1 warga" in summary.text
    await press("✅ Sudah saya baca")
    assert hub.lines(chat)[-1].text == "Ini hanya pratinjau; tombol ini untuk warga."
    async with core.sessions() as session:
        assert not list(await session.scalars(select(Announcement)))
    await press("Kirim")
    async with core.sessions() as session:
        [made] = list(await session.scalars(select(Announcement)))
    assert made.kind == "important"
