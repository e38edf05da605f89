"""The broadcast bench runs end to end at a small size and a high fake limit."""

from __future__ import annotations

import io
import math

from tests.bench.broadcast import Options, report, run_broadcast_bench


async def test_broadcast_bench_reaches_everyone_once_and_survives_a_kill():
    options = Options(
        residents=200,
        limit=300,
        typists=20,
        typing_rate=5,
        baseline=3,
        claim_timeout=3,
        quiet=True,
    )
    result = await run_broadcast_bench(options)

    clean, killed = result.runs
    for run in (clean, killed):
        assert run.finished
        assert run.lost == 0
        # Every blocked resident was answered 403 and marked unreachable.
        assert run.forbidden == round(0.02 * 200)
        assert run.forbidden_marked == run.forbidden
        assert run.delivered == 200 - run.forbidden - run.statuses.get("failed", 0)
        assert run.typed > 0 and math.isfinite(run.p95_ms)
    assert clean.duplicates == 0
    assert killed.downtime > 0 and killed.killed_after > 0
    assert killed.duplicates <= 1  # the stated crash window: the message in flight
    assert result.baseline_typed > 0 and math.isfinite(result.baseline_p95_ms)

    printed = io.StringIO()
    report(result, printed)
    text = printed.getvalue()
    assert "duplicates" in text and "reply p95" in text
    assert "[met]" in text and "[NOT met]" in text  # 0.95 of the limit is beyond the design
