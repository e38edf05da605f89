"""Telegram residents who act on what reached their chat, however late it came: a reply
queued after a failed send, an update handled by one of several workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser

Post = Callable[[dict[str, Any]], Awaitable[None]]


def received(api: FakeBotApi, chat: str) -> list[Call]:
    """What reached the chat: the calls Telegram answered (a failed call reached nobody)."""
    return [
        c
        for c in api.calls
        if c.chat_id == chat and c.answered and c.method in ("sendMessage", "editMessageText")
    ]


def shows(call: Call, words: str) -> bool:
    """The words in the message's text, a button's label or a button's data."""
    return words in call.text or any(
        words in b.get("text", "") or words in b.get("callback_data", "") for b in call.buttons()
    )


async def arrives(
    api: FakeBotApi, chat: str, words: str, since: int = 0, within: float = 40
) -> Call:
    """The first message to `chat`, after its `since`-th, showing `words`; waits for it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for call in received(api, chat)[since:]:
            if shows(call, words):
                return call
        await asyncio.sleep(0.02)
    texts = [c.text[:40] for c in received(api, chat)]
    raise AssertionError(f"{words!r} never reached {chat}: {texts}")


class Registrant:
    """A resident registering, each step sent once the answer to the last arrived."""

    def __init__(self, api: FakeBotApi, user_id: int, post: Post) -> None:
        self.api = api
        self.user = TelegramUser(api, user_id, f"Warga{user_id}")
        self.chat = str(user_id)
        self._post = post

    async def then(self, update: dict[str, Any], expect: str) -> Call:
        since = len(received(self.api, self.chat))
        await self._post(update)
        return await arrives(self.api, self.chat, expect, since)

    async def press(self, call: Call, label: str, expect: str) -> Call:
        [button] = [b for b in call.buttons() if label in b["text"]]
        update = self.user.press_update(button["callback_data"], call.message_id or 0, call.text)
        return await self.then(update, expect)

    async def registers(self, n: int) -> None:
        """Register with the n-th NIK and phone number of the test."""
        user = self.user
        consent = await self.then(user.text_update("/daftar"), "Saya setuju")
        village = await self.press(consent, "Saya setuju", "Sukamaju")
        await self.press(village, "Sukamaju", "Langkah 3")
        await self.then(user.text_update("Siti Aminah"), "Langkah 4")
        dusun = await self.then(user.text_update(f"180407410790{n + 1:04d}"), "Krajan")
        await self.press(dusun, "Krajan", "Langkah 6")
        await self.then(user.text_update("003/005"), "Langkah 7")
        phone = f"+62812000{n:05d}"
        contact = {"phone_number": phone, "first_name": "W", "user_id": int(self.chat)}
        summary = await self.then({"message": user._message(contact=contact)}, "Simpan")
        await self.press(summary, "Simpan", "terdaftar")
