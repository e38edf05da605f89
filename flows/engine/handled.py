"""One line per handled update: what kind, where in which flow, how long, how it ended.

Never the text, a name, a NIK, a phone number or a chat id: only words from Balai's own
code (channel, kind, flow and step names) and numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

# A logger of its own, so a deployment can route or silence these lines apart from the rest.
log = logging.getLogger("balai.updates")

OK, ERROR, DUPLICATE = "ok", "error", "duplicate"
NONE = "-"


@dataclass(frozen=True)
class Handled:
    """An update the runner is done with."""

    channel: str
    # What the person sent (flows.engine.types.Kind: text, command, choice (a button), ...).
    kind: str
    # "private" (a resident) or "group" (an admin chat).
    chat: str
    # The flow and step the update answered, or the one it opened; "-" outside any flow.
    flow: str
    step: str
    # ok, error (answered with the apology), duplicate (redelivered, skipped).
    outcome: str
    seconds: float

    def fields(self) -> dict[str, str | float]:
        return {
            "channel": self.channel,
            "kind": self.kind,
            "chat": self.chat,
            "flow": self.flow,
            "step": self.step,
            "outcome": self.outcome,
            "latency_ms": round(self.seconds * 1000, 1),
        }


Observer = Callable[[Handled], None]


def record(handled: Handled) -> None:
    """Log the update's line (its fields also as the record's extras, for JSON logs)."""
    fields = handled.fields()
    log.info(
        "update %s",
        " ".join(f"{name}={value}" for name, value in fields.items()),
        extra=fields,
    )


@dataclass
class Trace:
    """Where an update landed and how it ended, for its log line and the metrics."""

    flow: str = NONE
    step: str = NONE
    outcome: str = OK

    def at(self, flow: str, step: str) -> None:
        self.flow, self.step = flow, step or NONE
