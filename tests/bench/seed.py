"""`--seed N`: fill a fresh Balai database with N residents and N cases, in bulk.

Balai's own migrations make the schema (as `balai run` does at startup); the rows go in
through SQLAlchemy Core, thousands per statement, into the example config's one village.
Every resident has a Telegram identity (ids far from the bench's residents) and a
verified registration; every case has its reporter as subscriber and two or three events.
Most cases are closed, as in a village that has used Balai for years; the open ones are
due in the future, so the case watch has nothing to remind (the bench measures residents'
traffic, not a flood of reminders).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import load_villages
from flows.common.villages import VillageConfig
from storage import villages as village_rows
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import (
    Case,
    CaseEvent,
    CaseSubscriber,
    ChannelIdentity,
    Citizen,
    TopicSubscription,
)

CHUNK = 5000
# Telegram user ids of the seeded residents: far away from the bench's own residents.
SEEDED_USER_IDS = 900_000_000
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"  # as flows/cases/lifecycle.py
NAMES = (
    "Siti Aminah",
    "Budi Santoso",
    "Rina Wulandari",
    "Agus Setiawan",
    "Dewi Lestari",
    "Joko Susilo",
    "Sri Rahayu",
    "Ahmad Fauzi",
    "Nur Hidayah",
    "Eko Prasetyo",
)
DESCRIPTIONS = (
    "Jalan berlubang di depan balai dusun, bahaya untuk motor malam hari.",
    "Lampu jalan mati sejak minggu lalu di gang masjid.",
    "Sampah menumpuk di pinggir sungai dekat jembatan.",
    "Air PDAM tidak mengalir tiga hari.",
)


def nik_of(number: int, female: bool = False) -> str:
    """A valid-looking NIK in Lampung Timur (18.04.07), unique per `number` < 10**7."""
    day = 1 + number % 28 + (40 if female else 0)
    month = 1 + (number // 28) % 12
    year = 60 + (number // 336) % 40
    serial = number // 13440 + 1
    return f"180407{day:02d}{month:02d}{year:02d}{serial:04d}"


def _codes(count: int, salt: int) -> Iterator[str]:
    """`count` distinct codes of Balai's alphabet, 4 characters while they last, then 5."""
    base = len(CODE_ALPHABET)
    for length in (4, 5):
        space = base**length
        step = 7919 if space % 7919 else 7907  # coprime with space: a permutation
        for i in range(space):
            if count == 0:
                return
            n = (i * step + salt) % space
            code = ""
            for _ in range(length):
                n, digit = divmod(n, base)
                code += CODE_ALPHABET[digit]
            yield code
            count -= 1


async def seed(database_url: str, config: Path, count: int, *, rng_seed: int = 1) -> float:
    """Migrate `database_url` and fill it; returns the seconds it took."""
    started = time.monotonic()
    await upgrade_to_head(database_url)
    village = load_villages(config).all()[0]
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    rng = random.Random(rng_seed)  # noqa: S311 (made-up data, not secrets)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        async with sessions() as session, session.begin():
            village_id = (await village_rows.sync(session, [(village.code, village.name)]))[
                village.code
            ]
        async with engine.begin() as connection:
            await insert_residents(connection, village, village_id, count, rng, now)
            complaint_codes = _codes(count, salt=11)
            letter_codes = _codes(count, salt=23)
            event_id = 0
            for start in range(0, count, CHUNK):
                rows, subscribers, events = [], [], []
                for n in range(start, min(start + CHUNK, count)):
                    case, case_events = _case(n, village_id, count, rng, now)
                    is_complaint = case["kind"] == "complaint"
                    prefix = "ADU" if is_complaint else "SRT"
                    codes = complaint_codes if is_complaint else letter_codes
                    case["code"] = f"{prefix}-{next(codes)}"
                    rows.append(case)
                    subscribers.append(
                        {
                            "id": n + 1,
                            "case_id": n + 1,
                            "citizen_id": case["citizen_id"],
                            "role": "reporter",
                            "created_at": case["created_at"],
                        }
                    )
                    for event in case_events:
                        event_id += 1
                        events.append({"id": event_id, "case_id": n + 1, **event})
                await connection.execute(insert(Case), rows)
                await connection.execute(insert(CaseSubscriber), subscribers)
                await connection.execute(insert(CaseEvent), events)
    finally:
        await engine.dispose()
    return time.monotonic() - started


async def insert_residents(
    connection: AsyncConnection,
    village: VillageConfig,
    village_id: int,
    count: int,
    rng: random.Random,
    now: datetime,
    topics: tuple[str, ...] = (),
) -> None:
    """`count` verified residents with a Telegram identity each (user id SEEDED_USER_IDS + n,
    citizen id n + 1), subscribed to `topics`."""
    for start in range(0, count, CHUNK):
        numbers = range(start, min(start + CHUNK, count))
        citizens, identities, subscriptions = [], [], []
        for n in numbers:
            registered = now - timedelta(days=rng.randint(1, 1500))
            citizens.append(
                {
                    "id": n + 1,
                    "village_id": village_id,
                    "full_name": f"{NAMES[n % len(NAMES)]} {n}",
                    "nik": nik_of(n, female=n % 2 == 1),
                    "dusun": village.dusun[n % len(village.dusun)],
                    "rt": f"{1 + n % 12:03d}",
                    "rw": f"{1 + n % 5:03d}",
                    "phone": f"+62812{n:08d}",
                    "consent_at": registered,
                    "registered_at": registered,
                    "verified_at": registered + timedelta(hours=3),
                    "verified_by": "Ibu Wahyuni",
                    "deleted_at": None,
                    "version": 2,
                }
            )
            identities.append(
                {
                    "id": n + 1,
                    "channel": "telegram",
                    "external_id": str(SEEDED_USER_IDS + n),
                    "citizen_id": n + 1,
                    "locale": "id",
                    "unreachable_at": None,
                    "created_at": registered,
                }
            )
            subscriptions += [
                {"citizen_id": n + 1, "topic": topic, "created_at": registered} for topic in topics
            ]
        await connection.execute(insert(Citizen), citizens)
        await connection.execute(insert(ChannelIdentity), identities)
        if subscriptions:
            await connection.execute(insert(TopicSubscription), subscriptions)


def _case(
    n: int, village_id: int, citizens: int, rng: random.Random, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    created = now - timedelta(days=rng.randint(1, 1400), minutes=rng.randint(0, 1439))
    complaint = n % 3 != 0
    is_open = rng.random() < 0.05
    if complaint:
        status = "in_progress" if is_open else rng.choice(("done", "done", "done", "rejected"))
        data: dict[str, Any] = {
            "category": rng.choice(("jalan", "air", "listrik", "sampah")),
            "description": DESCRIPTIONS[n % len(DESCRIPTIONS)],
            "dusun": "Dusun I Krajan",
            "landmark": "dekat masjid",
        }
        if status == "done":
            data["resolution"] = "Sudah diperbaiki bersama warga."
            data["rating"] = rng.randint(1, 4)
    else:
        status = "review" if is_open else rng.choice(("done", "done", "rejected", "cancelled"))
        data = {
            "type": "domisili",
            "values": {},
            "documents": {"ktp": ["photo", f"seed-ktp-{n}"], "kk": ["photo", f"seed-kk-{n}"]},
            "purpose": "Melamar pekerjaan",
            "delivery": "pickup",
        }
    closed = None if is_open else created + timedelta(days=rng.randint(1, 10))
    # Open cases are recent and due in the future; closed ones were due long ago.
    if is_open:
        created = now - timedelta(hours=rng.randint(1, 20))
    due = now + timedelta(days=2) if is_open else created + timedelta(days=2)
    case = {
        "id": n + 1,
        "village_id": village_id,
        "kind": "complaint" if complaint else "letter",
        "citizen_id": 1 + rng.randrange(citizens),
        "status": status,
        "version": 1 if is_open else 3,
        "assignee": None if is_open else "Ibu Wahyuni",
        "data": data,
        "idempotency_key": f"seed:{n}",
        "confidential": False,
        "created_at": created,
        "updated_at": closed or created,
        "due_at": due,
        "reminded_at": None,
        "escalated_at": None,
        "closed_at": closed,
        "followup_at": None,
        "related_case_id": None,
    }
    events = [
        {
            "at": created,
            "actor": "citizen",
            "action": "created",
            "from_status": None,
            "to_status": "new" if complaint else "review",
            "note": None,
        }
    ]
    if not is_open:
        events.append(
            {
                "at": created + timedelta(hours=2),
                "actor": "Ibu Wahyuni",
                "action": "take" if complaint else "approve",
                "from_status": "new" if complaint else "review",
                "to_status": "in_progress" if complaint else "signing",
                "note": None,
            }
        )
        events.append(
            {
                "at": closed,
                "actor": "Ibu Wahyuni",
                "action": "close",
                "from_status": "in_progress" if complaint else "signing",
                "to_status": status,
                "note": "Selesai.",
            }
        )
    return case, events
