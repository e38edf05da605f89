"""The audit log of official actions (and refused attempts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    channel: str
    external_id: str
    name: str


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: Actor,
    village_id: int | None,
    action: str,
    record_type: str,
    record_id: int | None,
    outcome: str,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            village_id=village_id,
            channel=actor.channel,
            actor_id=actor.external_id,
            actor_name=actor.name[:100],
            # Actions may echo what someone typed (a command, a forged button): keep it short.
            action=action[:40],
            record_type=record_type,
            record_id=record_id,
            outcome=outcome,
            detail=detail[:300] if detail else None,
        )
    )
