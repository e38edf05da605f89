"""Telegram residents who act on what reached their chat, however late it came: a reply
queued after a failed send, an update handled by one of several workers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser

Post = Callable[[dict[str, Any]], Awaitable[None]]


def received(api: FakeBotApi, chat: str) -> list[Call]:
    """What reached the chat: the calls Telegram answered (a failed call reached nobody)."""
    return [
        c
        for c in api.calls.by_chat.get(chat, ())
        if c.answered and c.method in ("sendMessage", "editMessageText")
    ]


# Calls Telegram counts against a bot's 30 messages a second.
COUNTED = ("send", "copyMessage", "forwardMessage", "editMessage")


def busiest(api: FakeBotApi, seconds: float = 1.0) -> int:
    """The most messages the bot sent within any `seconds`, by when they reached the API."""
    times = sorted(c.at for c in api.calls if c.method.startswith(COUNTED))
    busiest, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - seconds:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


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
    answered = api.answered_in(chat)
    while True:
        answered.clear()
        for call in received(api, chat)[since:]:
            if shows(call, words):
                return call
        left = deadline - time.monotonic()
        if left <= 0:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(answered.wait(), left)
    texts = [c.text[:40] for c in received(api, chat)]
    raise AssertionError(f"{words!r} never reached {chat}: {texts}")


class Registrant:
    """A resident registering, each step sent once the answer to the last arrived.

    With `patience`, a resident whose answer has not come after that many seconds asks
    where they are, as a person would: /daftar again, then ▶️ Lanjutkan (counted in
    `nudges`).
    """

    def __init__(
        self, api: FakeBotApi, user_id: int, post: Post, patience: float | None = None
    ) -> None:
        self.api = api
        self.user = TelegramUser(api, user_id, f"Warga{user_id}")
        self.chat = str(user_id)
        self._post = post
        self.patience = patience
        self.nudges = 0

    async def then(self, update: dict[str, Any], expect: str) -> Call:
        since = len(received(self.api, self.chat))
        await self._post(update)
        if self.patience is None:
            return await arrives(self.api, self.chat, expect, since)
        for _ in range(3):
            try:
                return await arrives(self.api, self.chat, expect, since, within=self.patience)
            except AssertionError:
                self.nudges += 1
                await self._ask_where()
        return await arrives(self.api, self.chat, expect, since, within=self.patience)

    async def _ask_where(self) -> None:
        since = len(received(self.api, self.chat))
        await self._post(self.user.text_update("/daftar"))
        answer = await arrives(self.api, self.chat, "", since)
        resume = [b for b in answer.buttons() if b["text"].startswith("▶️")]
        if resume:
            message_id = answer.message_id or 0
            await self._post(
                self.user.press_update(resume[0]["callback_data"], message_id, answer.text)
            )

    async def press(self, call: Call, label: str, expect: str) -> Call:
        [button] = [b for b in call.buttons() if label in b["text"]]
        update = self.user.press_update(button["callback_data"], call.message_id or 0, call.text)
        return await self.then(update, expect)

    async def registers(self, n: int, village: str | None = None, dusun: str = "Krajan") -> None:
        """Register with the n-th NIK and phone number of the test: in Sukamaju, picked from
        the buttons, or in `village`, typed (as where there are too many for buttons)."""
        user = self.user
        consent = await self.then(user.text_update("/daftar"), "Saya setuju")
        if village is None:
            choice = await self.press(consent, "Saya setuju", "Sukamaju")
            await self.press(choice, "Sukamaju", "Langkah 3")
        else:
            await self.press(consent, "Saya setuju", "ketik")
            await self.then(user.text_update(village), "Langkah 3")
        await self.then(user.text_update("Siti Aminah"), "Langkah 4")
        dusun_question = await self.then(user.text_update(f"180407410790{n + 1:04d}"), dusun)
        await self.press(dusun_question, dusun, "Langkah 6")
        await self.then(user.text_update("003/005"), "Langkah 7")
        phone = f"+62812000{n:05d}"
        contact = {"phone_number": phone, "first_name": "W", "user_id": int(self.chat)}
        summary = await self.then({"message": user._message(contact=contact)}, "Simpan")
        await self.press(summary, "Simpan", "terdaftar")
