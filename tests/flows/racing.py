"""Two updates of one resident racing, played out deterministically.

On PostgreSQL two workers can both read a resident before either writes. SQLite runs one
write transaction at a time (BEGIN IMMEDIATE), so there the race is played out inside
the first transaction: right after it reads the resident, the other side's change is
written (as it would have been committed meanwhile), and the first side's write must then
notice that the record moved on instead of overwriting it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from storage import people
from storage.models import Citizen


def verified_meanwhile(monkeypatch: pytest.MonkeyPatch, by: str) -> list[int]:
    """After the next read of a resident, `by` verifies them first. Gives back the ids of
    the residents it happened to (so a test can assert the race was played out)."""
    happened: list[int] = []
    real_citizen_by_id = people.citizen_by_id

    async def citizen_by_id(session: Any, citizen_id: int) -> Any:
        found = await real_citizen_by_id(session, citizen_id)
        if found is not None and not happened:
            happened.append(citizen_id)
            await session.execute(
                update(Citizen)
                .where(Citizen.id == citizen_id)
                .values(
                    verified_at=datetime.now(UTC),
                    verified_by=by,
                    version=Citizen.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return found

    monkeypatch.setattr(people, "citizen_by_id", citizen_by_id)
    return happened
