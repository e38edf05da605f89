"""Queries for cases (complaints, letters; listings later) and their history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import statuses
from storage.models import Case, CaseEvent, CaseSubscriber
from storage.upsert import insert_ignoring

REPORTER, SUPPORTER = statuses.SUBSCRIBER_REPORTER, statuses.SUBSCRIBER_SUPPORTER


async def insert_unless_code_taken(session: AsyncSession, case: Case) -> Case | None:
    """Insert a new case; None (and nothing inserted) when its village already has the code.

    The unique constraints decide, not a lookup first: two cases created at the same
    moment cannot both get the same code, and when the case's idempotency key is stored
    meanwhile (the same form sent twice at once) the case stored under it is given back
    instead. Any other refusal (a broken foreign key) is raised as it is.
    """
    try:
        async with session.begin_nested():
            session.add(case)
            await session.flush()
    except IntegrityError:
        stored = await by_key(session, case.idempotency_key) if case.idempotency_key else None
        if stored is not None:
            return stored
        if await by_code(session, case.village_id, case.code) is None:
            raise
        return None
    return case


async def by_id(session: AsyncSession, case_id: int) -> Case | None:
    return await session.get(Case, case_id)


async def by_code(session: AsyncSession, village_id: int, code: str) -> Case | None:
    """The village's case with this tracking code; codes repeat across villages."""
    query = select(Case).where(Case.village_id == village_id, Case.code == code.upper())
    return await session.scalar(query)


async def by_key(session: AsyncSession, key: str) -> Case | None:
    return await session.scalar(select(Case).where(Case.idempotency_key == key))


async def claim_version(
    session: AsyncSession, case_id: int, expected_version: int, values: dict[str, Any]
) -> bool:
    """Apply `values` only if nobody changed the case since `expected_version`.

    A single conditional UPDATE: two officials pressing at once cannot both win.
    """
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.version == expected_version)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_event(
    session: AsyncSession,
    case_id: int,
    *,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
) -> None:
    session.add(
        CaseEvent(
            case_id=case_id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    )


async def events(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(await session.scalars(query))


async def subscribe(
    session: AsyncSession, case_id: int, citizen_id: int, role: str, now: datetime
) -> bool:
    """Add a subscriber; False when they already were one (or just became one in another
    transaction): the unique (case, citizen) decides."""
    values = {"case_id": case_id, "citizen_id": citizen_id, "role": role, "created_at": now}
    return await insert_ignoring(session, CaseSubscriber, values, ("case_id", "citizen_id"))


async def touch_if_in(
    session: AsyncSession, case_id: int, statuses: Iterable[str], now: datetime
) -> bool:
    """Mark the case as just changed, only while it is in one of `statuses`; False if not.

    For what joins a case without changing its status (a supporter): one conditional
    UPDATE, so a status change committed meanwhile makes it fail rather than go unseen.
    On PostgreSQL it also locks the case's row until this transaction ends: a status
    change made at the same moment waits, then sees (and notifies) who joined. The
    version stays: it counts status changes, and officials' cards are not made stale.
    """
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status.in_(list(statuses)))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_if_unchanged(
    session: AsyncSession,
    case_id: int,
    seen_version: int,
    values: dict[str, Any],
    *,
    still_empty: Sequence[str] = (),
    still_set: Sequence[str] = (),
) -> bool:
    """Set columns other than the status, only if the case is still at `seen_version` (and
    the `still_empty` columns are still NULL, the `still_set` ones not); False if not.

    For writes that follow a read of the case without changing its status (a reminder
    sent once, a rating): one conditional UPDATE, so of two writers at once only one wins,
    and nothing changed meanwhile is overwritten. The version stays as it is (it counts
    status changes).
    """
    query = update(Case).where(Case.id == case_id, Case.version == seen_version)
    for column in still_empty:
        query = query.where(getattr(Case, column).is_(None))
    for column in still_set:
        query = query.where(getattr(Case, column).is_not(None))
    result = await session.execute(
        query.values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def subscribers(session: AsyncSession, case_id: int) -> list[CaseSubscriber]:
    query = select(CaseSubscriber).where(CaseSubscriber.case_id == case_id)
    return list(await session.scalars(query.order_by(CaseSubscriber.id)))


async def of_citizen(session: AsyncSession, citizen_id: int, kind: str) -> list[Case]:
    """Cases the person reported or supports, newest first."""
    supported = select(CaseSubscriber.case_id).where(CaseSubscriber.citizen_id == citizen_id)
    query = select(Case).where(
        Case.kind == kind, or_(Case.citizen_id == citizen_id, Case.id.in_(supported))
    )
    return list(await session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())))


async def reported_by(
    session: AsyncSession, citizen_id: int, kind: str, statuses: Sequence[str]
) -> list[Case]:
    """Cases the person sent (not those they support) in `statuses`, newest first."""
    query = select(Case).where(
        Case.citizen_id == citizen_id, Case.kind == kind, Case.status.in_(statuses)
    )
    return list(await session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())))


async def in_status(
    session: AsyncSession,
    statuses: Sequence[str],
    *,
    village_id: int | None = None,
    kinds: Sequence[str] | None = None,
    created_since: datetime | None = None,
) -> list[Case]:
    """Cases in the given statuses, oldest first."""
    query = select(Case).where(Case.status.in_(statuses))
    if village_id is not None:
        query = query.where(Case.village_id == village_id)
    if kinds is not None:
        query = query.where(Case.kind.in_(kinds))
    if created_since is not None:
        query = query.where(Case.created_at >= created_since)
    return list(await session.scalars(query.order_by(Case.created_at, Case.id)))


async def due(
    session: AsyncSession, statuses: Sequence[str], now: datetime, *, kind: str
) -> list[Case]:
    """Cases of one kind past their due time (for reminders and escalation)."""
    query = select(Case).where(Case.kind == kind, Case.status.in_(statuses), Case.due_at <= now)
    return list(await session.scalars(query.order_by(Case.due_at)))


async def followups_due(session: AsyncSession, status: str, now: datetime) -> list[Case]:
    query = select(Case).where(Case.status == status, Case.followup_at <= now)
    return list(await session.scalars(query.order_by(Case.followup_at)))


async def for_export(
    session: AsyncSession, village_id: int, kind: str, since: datetime | None
) -> list[Case]:
    query = select(Case).where(Case.village_id == village_id, Case.kind == kind)
    if since is not None:
        query = query.where(Case.created_at >= since)
    return list(await session.scalars(query.order_by(Case.created_at, Case.id)))


async def open_data_of(session: AsyncSession, citizen_id: int) -> list[dict[str, Any]]:
    """The data of every case of this resident still open (not closed)."""
    found = await session.scalars(
        select(Case.data).where(Case.citizen_id == citizen_id, Case.closed_at.is_(None))
    )
    return list(found)
