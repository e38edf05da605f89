"""The workers bench runs end to end: one and two webhook workers, two short steps.

Only on PostgreSQL (`make test-postgres`, which runs this file of tests/bench): several
workers need it, and the pass has the server the bench needs.
"""

from __future__ import annotations

import io
import math

import pytest

from tests.bench.workers import Options, report, run_workers_bench
from tests.conftest import POSTGRES_URL, on_postgres

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(300)]


async def test_workers_bench_measures_one_and_two_workers_step_by_step():
    assert on_postgres(), "the workers bench needs PostgreSQL"
    options = Options(rates=(4, 8), step=3, users=12, settle=0.5, rng_seed=3, quiet=True)
    result = await run_workers_bench(options, POSTGRES_URL)

    assert [run.workers for run in result.runs] == [1, 2]
    for run in result.runs:
        assert run.failed_posts == 0
        assert [step.offered for step in run.steps] == [4, 8]
        for step in run.steps:
            assert step.sent > 0
            # Every update the residents posted got its answer from whichever worker.
            assert step.handled == step.sent
            assert math.isfinite(step.p95_ms)
            assert step.messages > 0 and step.workers_cpu > 0
        assert run.sustained > 0
    assert math.isfinite(result.ratio)

    printed = io.StringIO()
    report(result, printed)
    text = printed.getvalue()
    assert "1 worker:" in text and "2 workers:" in text
    assert "2/1 =" in text and ("[met]" in text or "[NOT met]" in text)
