"""Who counts as an official: members of the village's admin chat, asked of Telegram."""

from __future__ import annotations

import logging
import time

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# Past this many remembered answers, expired ones are dropped (many strangers pressing).
CACHE_PRUNE_AT = 1000
MEMBER_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class TelegramOfficials:
    """`getChatMember`, cached so a busy admin chat does not wait on the API per tap.

    A member is remembered for five minutes (an official deciding a run of cards asks
    once); a non-member for one, so someone just added to the group is not kept waiting.
    Someone removed from the group loses the buttons within five minutes.
    """

    def __init__(
        self, bot: Bot, member_ttl_seconds: float = 300.0, stranger_ttl_seconds: float = 60.0
    ) -> None:
        self._bot = bot
        self._ttl = {True: member_ttl_seconds, False: stranger_ttl_seconds}
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
        now = time.monotonic()
        if len(self._cache) >= CACHE_PRUNE_AT:
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        self._cache[key] = (is_member, now + self._ttl[is_member])
        return is_member
