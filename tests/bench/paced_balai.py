"""`balai run` told that Telegram's overall limit is LIMIT messages/s instead of 30.

`python tests/bench/paced_balai.py LIMIT [--webhook]`, with the same environment as `balai
run`: the broadcast bench's `--limit` other than 30, so a run finishes sooner, and the
workers bench's webhook workers (their replies are not held at 30/s). Every rate that stands
for Telegram's 30/s is scaled by LIMIT/30 before Balai starts, and nothing else: the
outbox's overall pace and its announcement pace (25/s becomes 25 * LIMIT/30, the same share
of the limit), PTB's AIORateLimiter overall rate, and the dispatcher's backlog (about 2 s
of sending) and expected-finish rate. The per-chat pace (1/s) stays Telegram's.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

LIMIT = float(sys.argv[1])
SCALE = LIMIT / 30


def _scale() -> None:
    import bot.broadcast
    import bot.outbox
    import handlers.telegram.bot
    import handlers.telegram.sender
    from flows.engine import delivery

    base = delivery.TELEGRAM_PACING
    paced = replace(base, overall=base.overall / SCALE, broadcast=base.broadcast / SCALE)
    delivery.TELEGRAM_PACING = paced
    bot.outbox.TELEGRAM_PACING = paced  # type: ignore[attr-defined]
    handlers.telegram.sender.TELEGRAM_PACING = paced  # type: ignore[attr-defined]
    limiter = handlers.telegram.bot.AIORateLimiter  # type: ignore[attr-defined]

    def scaled_limiter(**kwargs: Any) -> Any:
        return limiter(overall_max_rate=LIMIT, **kwargs)

    handlers.telegram.bot.AIORateLimiter = scaled_limiter  # type: ignore[attr-defined,assignment]
    defaults = bot.broadcast.Dispatcher.__init__.__kwdefaults__
    assert defaults is not None
    defaults["backlog"] = round(bot.broadcast.BACKLOG * SCALE)
    defaults["rate"] = bot.broadcast.RATE * SCALE


if __name__ == "__main__":
    _scale()
    from bot.cli import main

    raise SystemExit(main(["run", *sys.argv[2:]]))
