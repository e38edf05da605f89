"""The search bench runs end to end at a tiny size and reports both ways of searching."""

from __future__ import annotations

import io
import math
import random

from tests.bench.search import report, run
from tests.bench.search_vocab import queries


async def test_search_bench_measures_the_index_and_the_naive_scan():
    results = await run([300, 600])

    for result in results:
        for side in (result.index, result.naive):
            assert len(side.times_ms) >= 200  # every labelled query, both ways
            assert math.isfinite(side.percentile(95))
        # Even this small, the index finds what the typed queries meant.
        assert result.index.recall_at_5 >= 0.9
    printed = io.StringIO()
    report(results, queries(random.Random(1)), printed)  # noqa: S311 (not secrets)
    text = printed.getvalue()
    assert "naive" in text and "recall@5" in text
    assert "[met]" in text or "[NOT met]" in text
