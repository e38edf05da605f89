"""What two transactions can write at once: the database decides, never a lookup first.

SQLite runs one write transaction at a time, so a race is played out inside one
transaction (`written_first`): right before it writes, the row another transaction
would have committed meanwhile is written, after this one's lookup (if it made one)
found nothing. The code must then keep the row stored first instead of failing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import cases, conversations, outbox, people, upsert, villages
from storage.db import create_engine, session_factory
from storage.models import (
    Case,
    CaseSubscriber,
    ChannelIdentity,
    Citizen,
    Conversation,
    OutboxMessage,
    Village,
)
from tests.flows.racing import written_first

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def db(migrated_db_url: str) -> AsyncIterator[tuple[AsyncEngine, Sessions]]:
    """The pass's database at the newest schema (these tests need no flows)."""
    engine = create_engine(migrated_db_url)
    try:
        yield engine, session_factory(engine)
    finally:
        await engine.dispose()


async def _count(sessions: Sessions, model: type, *where: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _enqueue(session: AsyncSession, text: str, key: str | None = "status:1:2:1") -> None:
    await outbox.enqueue(
        session,
        [
            outbox.row(
                channel="telegram", chat_id="1001", payload={"text": text}, now=NOW, dedupe_key=key
            )
        ],
    )


# --- the outbox ---------------------------------------------------------------------------
async def test_same_dedupe_key_from_many_transactions_queues_one_message(db):
    _engine, sessions = db

    async def one(n: int) -> None:
        async with sessions() as session, session.begin():
            await _enqueue(session, f"copy {n}")

    await asyncio.gather(*(one(n) for n in range(30)))
    assert await _count(sessions, OutboxMessage) == 1


async def test_message_queued_meanwhile_by_another_transaction_is_not_queued_again(db):
    """Regression: the lookup by dedupe key found nothing, the insert then hit the unique
    key, and the whole message's transaction failed (the resident got the apology)."""
    engine, sessions = db
    first = (
        "INSERT INTO outbox (channel, chat_id, payload, dedupe_key, status, attempts, "
        "next_attempt_at, created_at) VALUES ('telegram', '1001', '{\"text\": \"first\"}', "
        "'status:1:2:1', 'pending', 0, ?, ?)"
    )
    with written_first(engine, "INSERT INTO outbox", first, (NOW, NOW)) as raced:
        async with sessions() as session, session.begin():
            await _enqueue(session, "second")
            await _enqueue(session, "no key", key=None)
    assert raced
    async with sessions() as session:
        stored = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.payload["text"] for m in stored] == ["first", "no key"]


async def test_messages_without_a_key_are_all_queued(db):
    _engine, sessions = db
    async with sessions() as session, session.begin():
        for n in range(3):
            await _enqueue(session, f"reply {n}", key=None)
    assert await _count(sessions, OutboxMessage) == 3


# --- identities and conversations ------------------------------------------------------------
async def test_identity_created_meanwhile_by_another_transaction_is_the_one_used(db):
    """Regression: two first messages of one person; the second's lookup found no identity,
    its insert then failed on the unique (channel, external id)."""
    engine, sessions = db
    first = (
        "INSERT INTO channel_identities (channel, external_id, locale, created_at) "
        "VALUES ('telegram', '1001', 'en', ?)"
    )
    with written_first(engine, "INSERT INTO channel_identities", first, (NOW,)) as raced:
        async with sessions() as session, session.begin():
            identity, _ = await people.identity_and_conversation(session, "telegram", "1001")
            assert identity.locale == "en"  # the row stored first, not a second one
    assert raced
    assert await _count(sessions, ChannelIdentity) == 1


async def test_identities_of_many_new_people_at_once(db):
    _engine, sessions = db

    async def first_contact(user: str) -> int:
        async with sessions() as session, session.begin():
            return (await people.identity_and_conversation(session, "telegram", user))[0].id

    ids = await asyncio.gather(*(first_contact(f"{n % 25}") for n in range(50)))
    assert await _count(sessions, ChannelIdentity) == 25
    assert len(set(ids)) == 25  # each person's two updates found the same identity


async def test_conversation_saved_meanwhile_is_overwritten_not_duplicated(db):
    """Regression: the lookup found no conversation, the insert hit the primary key."""
    engine, sessions = db
    async with sessions() as session, session.begin():
        identity, _ = await people.identity_and_conversation(session, "telegram", "1001")
    first = (
        "INSERT INTO conversations (identity_id, flow, step, form, history, updated_at) "
        "VALUES (?, 'complaint', 'category', '{}', '{}', ?)"
    )
    with written_first(engine, "INSERT INTO conversations", first, (identity.id, NOW)) as raced:
        async with sessions() as session, session.begin():
            await conversations.save(
                session,
                identity.id,
                flow="registration",
                step="name",
                form={"full_name": ""},
                history={"stack": ["consent"]},
                now=NOW,
            )
    assert raced
    async with sessions() as session:
        [row] = list(await session.scalars(select(Conversation)))
    assert (row.flow, row.step, row.form, row.history) == (
        "registration",
        "name",
        {"full_name": ""},
        {"stack": ["consent"]},
    )


# --- cases --------------------------------------------------------------------------------
async def _village_citizens_case(sessions: Sessions) -> tuple[int, int, int, int]:
    """A village, a reporter, a second resident, and the reporter's open case."""
    async with sessions() as session, session.begin():
        village = Village(code="18.04.07.2001", name="Sukamaju")
        session.add(village)
        await session.flush()
        reporter, other = (
            Citizen(village_id=village.id, registered_at=NOW, version=1) for _ in range(2)
        )
        session.add_all([reporter, other])
        await session.flush()
        case = Case(
            village_id=village.id,
            kind="complaint",
            code="ADU-AAAA",
            citizen_id=reporter.id,
            status="new",
            version=1,
            data={},
            idempotency_key="form-key-1",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(case)
        await session.flush()
        return village.id, reporter.id, other.id, case.id


async def test_supporter_added_meanwhile_is_not_added_twice(db):
    engine, sessions = db
    _village, _reporter, other, case_id = await _village_citizens_case(sessions)
    first = (
        "INSERT INTO case_subscribers (case_id, citizen_id, role, created_at) "
        "VALUES (?, ?, 'supporter', ?)"
    )
    with written_first(
        engine, "INSERT INTO case_subscribers", first, (case_id, other, NOW)
    ) as raced:
        async with sessions() as session, session.begin():
            added = await cases.subscribe(session, case_id, other, cases.SUPPORTER, NOW)
    assert raced
    assert added is False  # so no second "supported" event, no second count
    assert await _count(sessions, CaseSubscriber) == 1


async def test_case_stored_meanwhile_under_the_same_key_is_given_back(db):
    """Regression: the same form sent twice at once; the second insert failed on the
    idempotency key, which was taken for a taken code and raised."""
    engine, sessions = db
    village, reporter, _other, _case = await _village_citizens_case(sessions)
    first = (
        "INSERT INTO cases (village_id, kind, code, citizen_id, status, version, data, "
        "idempotency_key, confidential, created_at, updated_at) "
        "VALUES (?, 'complaint', 'ADU-CCCC', ?, 'new', 1, '{}', 'form-key-2', false, ?, ?)"
    )
    # Before the savepoint the insert runs in: a row written inside it would be rolled
    # back with it, which no other transaction's row is.
    with written_first(engine, "SAVEPOINT", first, (village, reporter, NOW, NOW)) as raced:
        async with sessions() as session, session.begin():
            mine = Case(
                village_id=village,
                kind="complaint",
                code="ADU-EEEE",
                citizen_id=reporter,
                status="new",
                version=1,
                data={},
                idempotency_key="form-key-2",
                created_at=NOW,
                updated_at=NOW,
            )
            stored = await cases.insert_unless_code_taken(session, mine)
            assert stored is not None and stored is not mine
            assert stored.code == "ADU-CCCC"
    assert raced
    assert await _count(sessions, Case, Case.idempotency_key == "form-key-2") == 1


async def test_taken_code_is_still_refused(db):
    _engine, sessions = db
    village, reporter, _other, _case = await _village_citizens_case(sessions)
    async with sessions() as session, session.begin():
        again = Case(
            village_id=village,
            kind="complaint",
            code="ADU-AAAA",
            citizen_id=reporter,
            status="new",
            version=1,
            data={},
            idempotency_key="form-key-3",
            created_at=NOW,
            updated_at=NOW,
        )
        assert await cases.insert_unless_code_taken(session, again) is None
    assert await _count(sessions, Case) == 1


async def test_only_an_open_case_can_be_joined(db):
    _engine, sessions = db
    _village, _reporter, _other, case_id = await _village_citizens_case(sessions)
    async with sessions() as session, session.begin():
        assert await cases.touch_if_in(session, case_id, ["new", "in_progress"], NOW)
        assert not await cases.touch_if_in(session, case_id, ["awaiting"], NOW)


# --- villages -------------------------------------------------------------------------------
async def test_village_inserted_meanwhile_by_another_process_is_renamed_not_duplicated(db):
    """Regression: two processes starting at once both found no village and both inserted
    it; the second failed to start."""
    engine, sessions = db
    first = "INSERT INTO villages (code, name, created_at) VALUES ('18.04.07.2001', 'Suka', ?)"
    with written_first(engine, "INSERT INTO villages", first, (NOW,)) as raced:
        async with sessions() as session, session.begin():
            ids = await villages.sync(session, [("18.04.07.2001", "Sukamaju")])
    assert raced
    async with sessions() as session:
        [village] = list(await session.scalars(select(Village)))
    assert (village.name, ids) == ("Sukamaju", {"18.04.07.2001": village.id})


# --- the one helper, on both databases ------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "dialect"), [("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect())]
)
def test_on_conflict_statements_for_sqlite_and_postgresql(name, dialect):
    ignore = upsert.insert_statement(name, OutboxMessage, ("dedupe_key",))
    assert "ON CONFLICT (dedupe_key) DO NOTHING" in str(ignore.compile(dialect=dialect))
    update = upsert.insert_statement(name, Village, ("code",), update=("name",))
    assert "ON CONFLICT (code) DO UPDATE SET name = excluded.name" in str(
        update.compile(dialect=dialect)
    )


def test_a_database_without_on_conflict_is_refused():
    with pytest.raises(NotImplementedError, match="mysql"):
        upsert.insert_statement("mysql", Village, ("code",))
