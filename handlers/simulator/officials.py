"""Officials in the simulator: the demo personas marked as officials."""

from __future__ import annotations

from collections.abc import Iterable


class SimulatorOfficials:
    def __init__(self, official_ids: Iterable[str]) -> None:
        self._ids = frozenset(official_ids)

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return user_id in self._ids
