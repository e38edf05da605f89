"""`balai outbox`: the messages Balai gave up on, and putting them back to be sent."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.errors import SetupError
from bot.i18n import operator_gettext as _
from bot.settings import Settings
from storage import outbox
from storage.clock import utcnow
from storage.db import create_engine, session_factory
from storage.migrate import current_revision
from storage.models import OutboxMessage

PREVIEW_CHARS = 40
REASON_CHARS = 60
# Six or more digits, also written in groups ("+62 812-3456-7890"): a NIK, a phone number,
# an account. Masked before anything is cut, so no part of one shows.
_NUMBER = re.compile(r"\d(?:[ \-]?\d){5,}")


def masked(text: str) -> str:
    """`text` on one line, every long run of digits replaced by asterisks."""
    one_line = " ".join(text.split())
    return _NUMBER.sub(lambda m: re.sub(r"\d", "*", m.group()), one_line)


def preview(payload: dict[str, Any]) -> str:
    text = masked(str(payload.get("text") or ""))
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def kind_of(message: OutboxMessage) -> str:
    """What the message was, from its key's first part ("case-card", "followup")."""
    if not message.dedupe_key:
        return "-"
    return message.dedupe_key.split(":", 1)[0][:20]


def age_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    if minutes < 48 * 60:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} d").format(n=minutes // (24 * 60))


async def _engine(settings: Settings) -> Any:
    if await current_revision(settings.database_url) is None:
        raise SetupError(
            _("There is no Balai database at BALAI_DATABASE_URL; start Balai once to create it.")
        )
    return create_engine(settings.database_url)


async def list_dead_letters(settings: Settings, now: Callable[[], datetime] = utcnow) -> int:
    """Print the dead letters: no chat id, no message text beyond a masked preview."""
    engine = await _engine(settings)
    try:
        async with session_factory(engine)() as session:
            found = await outbox.dead_letters(session)
    finally:
        await engine.dispose()
    if not found:
        print(_("No undelivered messages."))
        return 0
    at = now()
    header = (_("ID"), _("AGE"), _("CHANNEL"), _("KIND"), _("REASON"), _("PREVIEW"))
    rows = [
        (
            str(m.id),
            age_text((at - m.created_at).total_seconds()),
            m.channel,
            kind_of(m),
            masked(m.last_error or "-")[:REASON_CHARS],
            preview(m.payload),
        )
        for m in found
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    for row in (header, *rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    print(
        _("{count} undelivered message(s). Send again: balai outbox retry ID, or --all.").format(
            count=len(rows)
        )
    )
    return 0


async def retry_dead_letters(
    settings: Settings, message_id: int | None, now: Callable[[], datetime] = utcnow
) -> int:
    """Put one dead letter (or all) back to be sent now; a running Balai picks it up."""
    engine = await _engine(settings)
    try:
        async with session_factory(engine)() as session, session.begin():
            count = await outbox.retry_dead(session, now(), message_id)
    finally:
        await engine.dispose()
    if message_id is not None and not count:
        print(_("Message {id} is not an undelivered message.").format(id=message_id))
        return 1
    print(_("{count} message(s) will be sent again.").format(count=count))
    return 0
