"""Status webhooks (sent, delivered, read, failed) into channel-neutral delivery reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flows.engine.delivery import DeliveryReport
from handlers.whatsapp.graph import failure_for
from handlers.whatsapp.parse import changed_values

_STATES = {"sent", "delivered", "read", "failed"}


def reports(body: Any) -> list[DeliveryReport]:
    """Every status of every change of every entry, oldest first."""
    found: list[DeliveryReport] = []
    for value in changed_values(body):
        for status in _dicts(value.get("statuses")):
            report = _one(status)
            if report is not None:
                found.append(report)
    found.sort(key=lambda r: r.at)
    return found


def _one(status: dict[str, Any]) -> DeliveryReport | None:
    message_id, state = status.get("id"), status.get("status")
    if not isinstance(message_id, str) or not message_id or state not in _STATES:
        return None
    try:
        at = datetime.fromtimestamp(int(status.get("timestamp", 0)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        at = datetime.fromtimestamp(0, UTC)
    failure = None
    if state == "failed":
        errors = _dicts(status.get("errors"))
        failure = failure_for(errors[0].get("code") if errors else None)
    return DeliveryReport(message_id, str(state), at, failure)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
