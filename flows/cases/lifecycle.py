"""The one case lifecycle for everything officials decide.

A case has a village, a kind, a tracking code, a status, a version and an append-only
history. Every status change goes through `change_status`: it checks the transition is
allowed and that the case is still the version the official saw, bumps the version,
writes the history and the audit entry, and queues the notifications, all in the
transaction of the message that caused it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.cases.card import case_topic
from flows.engine.context import Ctx
from flows.engine.types import Outbound, Reply
from storage import audit, cases, links, people
from storage.media import referenced_ids
from storage.models import Case

log = logging.getLogger(__name__)

# Letters and digits that cannot be mistaken for one another when read aloud or
# copied by hand: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
# Codes are unique per village: 19**4 = 130,321 four-character codes per kind and village.
# When random draws keep hitting taken ones the village's space is nearly full, and new
# cases get five characters (2,476,099 more) rather than waiting for a free short one.
CODE_LENGTH = 4
LONG_CODE_LENGTH = 5
CODE_ATTEMPTS = 10  # draws per length before giving up on it


class CodesExhausted(RuntimeError):
    """No free tracking code was found in a bounded number of draws."""


@dataclass(frozen=True)
class CaseKind:
    name: str
    prefix: str
    labels: Mapping[str, str]  # status -> msgid of its label
    transitions: Mapping[str, frozenset[str]]
    open_statuses: frozenset[str]
    initial: str


@dataclass(frozen=True)
class Refused:
    """Why a change was not made, to be told to whoever tried."""

    message: str
    case: Case


def status_label(ctx: Ctx, kind: CaseKind, status: str, locale: str | None = None) -> str:
    translate = ctx.services.translations(locale or ctx.locale).gettext
    return translate(kind.labels.get(status, status))


def new_code(kind: CaseKind, length: int = CODE_LENGTH) -> str:
    """A random tracking code such as ADU-7K3Q; whether it is free, the insert decides."""
    return f"{kind.prefix}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


async def open_case(
    ctx: Ctx,
    kind: CaseKind,
    *,
    village_id: int,
    citizen_id: int,
    data: dict[str, Any],
    key: str,
    confidential: bool,
    due_at: datetime,
) -> tuple[Case, bool]:
    """Create the case once per idempotency key, with a code free in its village; (case, created).

    Raises CodesExhausted when no free code turns up in a bounded number of draws.
    """
    # A form sent before is found at once; one sent at this very moment, by the insert.
    existing = await cases.by_key(ctx.session, key)
    if existing is not None:
        return existing, False
    now = ctx.now()
    values: dict[str, Any] = {
        "village_id": village_id,
        "kind": kind.name,
        "citizen_id": citizen_id,
        "status": kind.initial,
        "version": 1,
        "data": data,
        "idempotency_key": key,
        "confidential": confidential,
        "created_at": now,
        "updated_at": now,
        "due_at": due_at,
    }
    case, created = await _insert_with_free_code(ctx, kind, values)
    if not created:  # the same form, sent by another update at this very moment
        return case, False
    await cases.subscribe(ctx.session, case.id, citizen_id, cases.REPORTER, now)
    await cases.add_event(
        ctx.session,
        case.id,
        at=now,
        actor="citizen",
        action="created",
        from_status=None,
        to_status=kind.initial,
    )
    return case, True


async def _insert_with_free_code(
    ctx: Ctx, kind: CaseKind, values: dict[str, Any]
) -> tuple[Case, bool]:
    """Insert the case under a random code free in its village; longer when short ones run
    out. (case, created): the case stored meanwhile under the same key, if there is one."""
    for length in (CODE_LENGTH, LONG_CODE_LENGTH):
        for _attempt in range(CODE_ATTEMPTS):
            case = Case(code=new_code(kind, length), **values)
            stored = await cases.insert_unless_code_taken(ctx.session, case)
            if stored is not None:
                return stored, stored is case
        # Ids only: no personal data in logs.
        log.warning(
            "village %s: no free %d-character %s code in %d draws",
            values["village_id"],
            length,
            kind.prefix,
            CODE_ATTEMPTS,
        )
    raise CodesExhausted(
        f"village {values['village_id']}: no free {kind.prefix} tracking code of "
        f"{CODE_LENGTH} or {LONG_CODE_LENGTH} characters in {2 * CODE_ATTEMPTS} draws"
    )


async def change_status(
    ctx: Ctx,
    kind: CaseKind,
    case: Case,
    *,
    seen_version: int,
    to_status: str,
    actor: str,
    action: str,
    note: str | None = None,
    values: dict[str, Any] | None = None,
) -> Case | Refused:
    """Move a case to `to_status` if allowed and unchanged since `seen_version`."""
    _ = ctx._
    if case.version != seen_version:
        return Refused(changed_meanwhile(_, case), case)
    if to_status not in kind.transitions.get(case.status, frozenset()):
        text = _("This case is {status} and cannot be changed that way.").format(
            status=status_label(ctx, kind, case.status)
        )
        return Refused(text, case)
    now, previous = ctx.now(), case.status
    changes = {"status": to_status, "updated_at": now, **(values or {})}
    if not await cases.claim_version(ctx.session, case.id, seen_version, changes):
        await ctx.session.refresh(case)
        return Refused(changed_meanwhile(_, case), case)
    await ctx.session.refresh(case)
    await cases.add_event(
        ctx.session,
        case.id,
        at=now,
        actor=actor,
        action=action,
        from_status=previous,
        to_status=to_status,
        note=note,
    )
    if (values or {}).get("closed_at") is not None:
        await _forget_erased_residents_media(ctx, case)
    return case


async def _forget_erased_residents_media(ctx: Ctx, case: Case) -> None:
    """A resident who deleted their data while this case was open: its files go with it now
    that it is closed (/hapusdata kept them only while officials still needed them)."""
    store = ctx.services.media
    if store is None or case.citizen_id is None:
        return
    citizen = await people.citizen_by_id(ctx.session, case.citizen_id)
    if citizen is None or citizen.deleted_at is None:
        return
    still_needed: set[int] = set()
    for data in await cases.open_data_of(ctx.session, case.citizen_id):
        still_needed |= referenced_ids(data)
    await store.erase_ids(ctx.session, referenced_ids(case.data) - still_needed)


def changed_meanwhile(gettext: Callable[[str], str], case: Case) -> str:
    """What a resident is told when the case changed under their action (e.g. a reopen).

    Officials' desks say it their own way, naming who acted (`Desk.refusal_note`).
    """
    text = gettext(
        "{code} changed in the meantime, so nothing was done. "
        "Type /status {code} to see it as it is now."
    )
    return text.format(code=case.code)


async def record_official(
    ctx: Ctx, case: Case, action: str, outcome: str, detail: str | None = None
) -> None:
    """Every official action on a case, in the audit log."""
    await audit.record(
        ctx.session,
        at=ctx.now(),
        actor=audit.Actor(ctx.msg.channel, ctx.msg.sender, ctx.msg.sender_name or ctx.msg.sender),
        village_id=case.village_id,
        action=action,
        record_type=case.kind,
        record_id=case.id,
        outcome=outcome,
        detail=detail,
    )


async def notify_subscribers(
    ctx: Ctx,
    case: Case,
    compose: Callable[[Callable[[str], str], str], Reply],
    *,
    reporter_only: bool = False,
    key: str,
    purpose: str | None = None,
    values: Callable[[Callable[[str], str]], Mapping[str, str]] | None = None,
) -> None:
    """Queue a message to the reporter (and supporters) in each one's own language.

    `compose(gettext, locale) -> Reply` writes the message for one reader. `purpose`
    and `values(gettext)` (beside the case code and village name) let a chat app that holds
    messages until the person writes send a pre-approved text instead (Outbound.purpose).
    """
    village = ctx.services.village_by_id(case.village_id)
    village_name = village.name if village is not None else ""
    for subscriber in await cases.subscribers(ctx.session, case.id):
        if reporter_only and subscriber.role != cases.REPORTER:
            continue
        for identity in await links.notified(ctx.session, subscriber.citizen_id):
            translate = ctx.services.translations(identity.locale).gettext
            facts = {"code": case.code, "village": village_name}
            facts.update(values(translate) if values is not None else {})
            ctx.send(
                Outbound(
                    identity.channel,
                    identity.external_id,
                    compose(translate, identity.locale),
                    dedupe_key=f"{key}:{identity.id}",
                    purpose=purpose,
                    values=tuple(facts.items()),
                    topic=case_topic(case),
                    village=village.code if village is not None else None,
                )
            )


async def is_subscriber(ctx: Ctx, case: Case, citizen_id: int) -> bool:
    """True for the case's reporter and the residents who support it."""
    subscribers = await cases.subscribers(ctx.session, case.id)
    return any(s.citizen_id == citizen_id for s in subscribers)
