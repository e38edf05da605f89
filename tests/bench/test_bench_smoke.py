"""The bench runs end to end: a few seconds of both bots, the same residents."""

from __future__ import annotations

import io
import math

from tests.bench.run import BALAI, ECHO, Options, report, run_bench

# What residents type when a question asks for it (not a guess out of the blue).
PROMPTED = ("text:name", "text:nik", "text:rtrw", "text:phone", "text:date", "text:address")


async def test_bench_drives_both_bots_and_balai_past_start():
    options = Options(users=4, rate=6, duration=8, settle=0.5, rng_seed=3, quiet=True)
    result = await run_bench(options)

    for name in (BALAI, ECHO):
        bot = result.bots[name]
        assert bot.sent >= 10, f"{name} was sent only {bot.sent} updates"
        assert bot.sent - bot.unanswered >= 0.8 * bot.sent, f"{name} left most unanswered"
        assert math.isfinite(bot.cpu_ms_per_update) and bot.cpu_ms_per_update > 0
        assert math.isfinite(bot.p95_ms)
        assert bot.peak_rss_mib > 10 and bot.idle_rss_mib > 10
    balai = result.bots[BALAI].details
    # The residents pressed Balai's buttons and answered its questions by typing.
    assert any(key.startswith("press:") for key in balai), balai
    assert any(key in PROMPTED for key in balai), balai
    # The echo bot got the same kinds of updates, its buttons pressed for real.
    assert result.bots[ECHO].kinds["press"] > 0

    printed = io.StringIO()
    report(result, printed)
    text = printed.getvalue()
    assert "CPU ms per update" in text and "latency p95 ms" in text
    assert "[met]" in text or "[NOT met]" in text
