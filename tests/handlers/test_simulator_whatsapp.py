"""The simulator's WhatsApp phone: what the page is given to draw, and what a press sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import Core, build_core
from bot.config import load_villages
from flows.engine.types import Button, Expect, Reply
from handlers.simulator.hub import CHANNEL, Hub
from handlers.simulator.officials import SimulatorOfficials, officials_of
from handlers.simulator.whatsapp import WhatsAppPhone
from handlers.whatsapp.render import labels_from
from tests.conftest import EXAMPLE, settings_for
from tests.helpers import serve_simulator

Start = Callable[[Path], Awaitable[tuple[Core, str]]]


def many_dusun(folder: Path, count: int = 12) -> Path:
    """The example config with `count` dusun: more than a WhatsApp list holds."""
    names = ", ".join(f'"Dusun {n} Sukamaju"' for n in range(1, count + 1))
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("dusun = [")
    end = text.index("]", start) + 1
    config = folder / "many_dusun.toml"
    config.write_text(text[:start] + f"dusun = [{names}]" + text[end:], encoding="utf-8")
    return config


@pytest.fixture
async def simulated(db_url: str) -> AsyncIterator[Start]:
    """The simulator as `balai demo` wires it for a config."""
    cores: list[Core] = []
    runners: list[web.AppRunner] = []

    async def start(config: Path) -> tuple[Core, str]:
        villages = load_villages(config)
        officials = SimulatorOfficials(officials_of(villages))
        core = await build_core(
            settings_for(db_url, config), officials, admin_channel=CHANNEL, villages=villages
        )
        cores.append(core)
        return core, await serve_simulator(core, Hub(), "id", runners)

    yield start
    for runner in runners:
        await runner.cleanup()
    for core in cores:
        await core.close()


class Phone:
    """A resident's simulated WhatsApp, through the page's API."""

    def __init__(self, page: str, persona: dict[str, Any]) -> None:
        self.page = page
        self.persona = persona["id"]
        self.chat = persona["whatsapp_chat"]
        self.seen = 0

    async def post(self, **body: Any) -> int:
        message = {"persona": self.persona, "chat": self.chat, "app": "whatsapp", **body}
        url = f"{self.page}/api/send"
        async with aiohttp.ClientSession() as http, http.post(url, json=message) as sent:
            return sent.status

    async def send(self, **body: Any) -> list[dict[str, Any]]:
        """Balai's messages in answer (Graph message objects), oldest first."""
        assert await self.post(**body) == 200
        return await self.new()

    async def new(self) -> list[dict[str, Any]]:
        lines = await messages(self.page, self.chat, self.seen)
        self.seen = max([self.seen, *(line["id"] for line in lines)])
        return [line["whatsapp"] for line in lines if line["sender"] == "bot"]


async def messages(page: str, chat: str, after: int = 0) -> list[dict[str, Any]]:
    query = {"chat": chat, "after": after}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{page}/api/messages", params=query) as got,
    ):
        body: dict[str, Any] = await got.json()
        lines: list[dict[str, Any]] = body["messages"]
        return lines


async def state(page: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{page}/api/state") as response:
        found: dict[str, Any] = await response.json()
        return found


def rows(message: dict[str, Any]) -> list[dict[str, str]]:
    assert message["interactive"]["type"] == "list", message
    found: list[dict[str, str]] = message["interactive"]["action"]["sections"][0]["rows"]
    return found


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A reply-button message's buttons: title -> id."""
    assert message["interactive"]["type"] == "button", message
    return {
        b["reply"]["title"]: b["reply"]["id"] for b in message["interactive"]["action"]["buttons"]
    }


async def test_whatsapp_resident_registers_through_buttons_lists_and_list_pages(
    simulated, tmp_path
):
    """The page gets the WhatsApp renderer's messages: the menu as a list, consent as reply
    buttons, twelve dusun a list of ten rows whose "Lainnya" row pages on, and the number
    typed where Telegram shows a share button."""
    _core, page = await simulated(many_dusun(tmp_path))
    resident = (await state(page))["villagers"][0]
    assert resident["whatsapp_chat"] == "6281234567890"
    phone = Phone(page, resident)
    [menu] = await phone.send(text="/start")
    assert next(r["title"] for r in rows(menu)) == "📝 Daftar"
    assert menu["interactive"]["action"]["button"] == "Pilih"
    [consent] = await phone.send(choice="menu:register", label="📝 Daftar")
    assert set(buttons(consent)) == {"✅ Saya setuju", "❌ Tidak setuju"}
    await phone.send(choice=buttons(consent)["✅ Saya setuju"], label="✅ Saya setuju")
    await phone.send(text="Siti Aminah")
    [dusun] = await phone.send(text="1804074107900002")
    first = rows(dusun)
    assert len(first) == 10
    more = next(r for r in first if r["id"].startswith("wa:more:"))
    assert more["title"].startswith("➡️ Lainnya (2/")
    assert "Dusun 12 Sukamaju" not in [r["title"] for r in first]

    [following] = await phone.send(choice=more["id"], label=more["title"])
    second = rows(following)
    assert len(second) <= 10
    titles = [r["title"] for r in second]
    assert "Dusun 12 Sukamaju" in titles and "Dusun 1 Sukamaju" not in titles
    # The navigation rows stay on every page.
    navigation = {r["id"] for r in first} - {r["id"] for r in first if "Dusun" in r["title"]}
    assert navigation - {more["id"]} <= {r["id"] for r in second}
    twelve = next(r for r in second if r["title"] == "Dusun 12 Sukamaju")
    [rt_rw] = await phone.send(choice=twelve["id"], label=twelve["title"])
    assert "RT dan RW" in str(rt_rw)

    asked = await phone.send(text="003/005")
    question = str(asked)
    assert "ketik nomor HP Anda" in question and "Bagikan nomor" not in question
    summary = await phone.send(text="0812 3456 7890")
    assert "Dusun 12 Sukamaju" in str(summary)
    save = next(r for r in rows(summary[-1]) if r["title"] == "✅ Simpan")
    done = await phone.send(choice=save["id"], label=save["title"])
    assert "terdaftar" in str(done)


async def test_whatsapp_resident_is_another_identity_than_on_telegram(simulated):
    """Trying WhatsApp leaves the same resident's Telegram chat as it was, and the other
    way round: two people as far as Balai knows."""
    _core, page = await simulated(EXAMPLE)
    resident = (await state(page))["villagers"][0]
    phone = Phone(page, resident)
    await phone.send(text="/start")
    await phone.send(choice="menu:register", label="📝 Daftar")
    assert await messages(page, resident["id"]) == []
    telegram = {"persona": resident["id"], "chat": resident["id"], "text": "/start"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{page}/api/send", json=telegram) as sent,
    ):
        assert sent.status == 200
    [_said, answer] = await messages(page, resident["id"])
    assert answer["whatsapp"] is None and "Daftar" in str(answer["buttons"])
    # On WhatsApp the resident is still at the consent question.
    [again] = await phone.send(text="halo")
    assert "Apakah Anda setuju?" in again["interactive"]["body"]["text"]


async def test_whatsapp_refuses_another_residents_chat_and_a_shared_contact(simulated):
    _core, page = await simulated(EXAMPLE)
    first, second = (await state(page))["villagers"][:2]
    phone = Phone(page, first)
    phone.chat = second["whatsapp_chat"]
    assert await phone.post(text="/start") == 400
    phone.chat = first["whatsapp_chat"]
    # WhatsApp has no share-contact button: the page never offers it there.
    assert await phone.post(contact=True) == 400
    assert await messages(page, first["whatsapp_chat"]) == []
    assert await messages(page, second["whatsapp_chat"]) == []


async def test_outbox_messages_to_whatsapp_arrive_split_and_as_a_location_request(
    one_village_core,
):
    """What the outbox sends a WhatsApp resident goes through the renderer too: a text
    past 4,096 characters in two messages, never edited in place; a location question
    as WhatsApp's own send-location request with the other choices after it."""
    hub = Hub()
    runners: list[web.AppRunner] = []
    try:
        page = await serve_simulator(one_village_core, hub, "id", runners)
        resident = (await state(page))["villagers"][1]
        chat = resident["whatsapp_chat"]
        phone = WhatsAppPhone(
            hub, labels_from(one_village_core.services.translations("id").gettext)
        )
        long = "\n\n".join(f"Paragraf {n}. " + "kata " * 60 for n in range(20))
        sent = await phone.send(chat, Reply(long))
        await phone.edit(chat, str(sent), Reply("Status: Diproses"))
        question = Reply(
            "Di mana tempatnya?",
            buttons=((Button("⬅️ Kembali", "nav:back"), Button("❌ Batal", "nav:cancel")),),
            expects=Expect.LOCATION,
            share_label="📍 Kirim lokasi",
        )
        await phone.send(chat, question)
        lines = await messages(page, chat)
        shown = [line["whatsapp"] for line in lines]
        assert [m["type"] for m in shown[:3]] == ["text", "text", "text"]
        assert all(len(m["text"]["body"]) <= 4096 for m in shown[:2])
        assert shown[2]["text"]["body"] == "Status: Diproses"
        assert lines[2]["replaces"] == [] and not lines[2]["edited"]
        request, choices = shown[3:]
        assert request["interactive"]["type"] == "location_request_message"
        assert request["interactive"]["body"]["text"] == "Di mana tempatnya?"
        assert set(buttons(choices)) == {"⬅️ Kembali", "❌ Batal"}
        # The page's word for WhatsApp's send-location button.
        assert (await state(page))["labels"]["send-location"] == "Kirim lokasi"
    finally:
        for runner in runners:
            await runner.cleanup()
