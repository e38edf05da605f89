"""Who counts as an official: members of the village's admin chat, asked of Telegram."""

from __future__ import annotations

import logging
import time

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)

MEMBER_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class TelegramOfficials:
    """`getChatMember`, cached briefly so a busy admin chat does not hit the API per tap."""

    def __init__(self, bot: Bot, ttl_seconds: float = 60.0) -> None:
        self._bot = bot
        self._ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        key = (chat_id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            member = await self._bot.get_chat_member(int(chat_id), int(user_id))
        except TelegramError as exc:
            # Unknown is not yes: refuse, and ask again next time.
            log.warning("getChatMember failed: %s", type(exc).__name__)
            return False
        status = member.status
        is_member = status in MEMBER_STATUSES or (
            status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))
        )
        self._cache[key] = (is_member, time.monotonic() + self._ttl)
        return is_member
