"""Make two updates race for real: both read the resident before either writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from storage import people


def reads_at_once(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Hold each reader of a citizen until a second one has read too.

    Gives back a list that gets True per reader that met another, False per reader that
    waited in vain (so a test can assert the race really happened).
    """
    both_read = asyncio.Barrier(2)
    met: list[bool] = []
    real_citizen_by_id = people.citizen_by_id

    async def citizen_by_id(session: Any, citizen_id: int) -> Any:
        found = await real_citizen_by_id(session, citizen_id)
        try:
            await asyncio.wait_for(both_read.wait(), 10)
            met.append(True)
        except (TimeoutError, asyncio.BrokenBarrierError):
            met.append(False)
        return found

    monkeypatch.setattr(people, "citizen_by_id", citizen_by_id)
    return met
