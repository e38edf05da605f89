"""`make bench-search`: Lapak Desa's search index against a naive rapidfuzz scan.

See tests/bench/README.md ("The search part") for what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rapidfuzz import fuzz, process

from storage import listing_search
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from tests.bench.search_vocab import Listing, Query, listings, queries

TOP = 5
CHUNK = 5_000
VILLAGES = 20


@dataclass
class Side:
    """One way of searching at one size."""

    times_ms: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.times_ms)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def recall_at_5(self) -> float:
        return sum(self.recall) / len(self.recall) if self.recall else math.nan


@dataclass
class SizeResult:
    size: int
    build_seconds: float
    index: Side
    naive: Side


@dataclass
class Target:
    text: str
    met: bool


def _recall(found: Sequence[int], relevant: set[int]) -> float:
    """Share of the top 5 that are the product asked for (of at most 5 that exist)."""
    if not relevant:
        return 1.0
    return len(set(found[:TOP]) & relevant) / min(TOP, len(relevant))


async def measure(size: int, asked: list[Query], folder: Path, rng_seed: int) -> SizeResult:
    made = listings(size, VILLAGES, random.Random(f"{rng_seed}:{size}"))  # noqa: S311 (not secrets)
    by_product: dict[int, set[int]] = {}
    for listing in made:
        by_product.setdefault(listing.product, set()).add(listing.id)
    url = f"sqlite+aiosqlite:///{folder / f'search-{size}.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    for start in range(0, len(made), CHUNK):
        async with sessions() as session, session.begin():
            await listing_search.index_many(
                session, [(x.id, x.village_id, x.text) for x in made[start : start + CHUNK]]
            )
    build = time.perf_counter() - started
    villages = list(range(1, VILLAGES + 1))  # the whole kecamatan: the widest search
    index, naive = Side(), Side()
    for query in asked:
        relevant = by_product.get(query.product, set())
        t0 = time.perf_counter()
        async with sessions() as session, session.begin():
            found = await listing_search.search(session, villages, query.typed, TOP)
        index.times_ms.append(1000 * (time.perf_counter() - t0))
        index.recall.append(_recall(found, relevant))
    await engine.dispose()
    texts = {x.id: x.text for x in _live(made)}
    for query in asked:
        relevant = by_product.get(query.product, set())
        t0 = time.perf_counter()
        best = process.extract(query.typed, texts, scorer=fuzz.WRatio, limit=TOP)
        naive.times_ms.append(1000 * (time.perf_counter() - t0))
        naive.recall.append(_recall([key for _text, _score, key in best], relevant))
    return SizeResult(size, build, index, naive)


def _live(made: list[Listing]) -> list[Listing]:
    return made  # every synthetic listing is live


def targets(small: SizeResult, large: SizeResult) -> list[Target]:
    p95, naive_p95 = large.index.percentile(95), large.naive.percentile(95)
    small_p95 = small.index.percentile(95)
    return [
        Target(f"p95 at {large.size:,} <= 25 ms ({p95:.1f} ms)", p95 <= 25),
        Target(
            f"p95 at {large.size:,} >= 5x faster than the naive scan ({naive_p95 / p95:.1f}x)",
            naive_p95 >= 5 * p95,
        ),
        Target(
            f"p95 at {large.size:,} <= 3x p95 at {small.size:,} "
            f"({p95:.1f} vs {3 * small_p95:.1f} ms)",
            p95 <= 3 * small_p95,
        ),
        *(
            Target(
                f"recall@5 at {r.size:,} >= 95 % and >= naive "
                f"({100 * r.index.recall_at_5:.1f} vs {100 * r.naive.recall_at_5:.1f} %)",
                r.index.recall_at_5 >= 0.95 and r.index.recall_at_5 >= r.naive.recall_at_5,
            )
            for r in (small, large)
        ),
    ]


def report(results: list[SizeResult], asked: list[Query], out: TextIO = sys.stdout) -> bool:
    print("", file=out)
    print(
        f"Lapak Desa search: {len(asked)} typed queries, {VILLAGES} villages searched at once, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
        file=out,
    )
    print(
        f"  {'listings':>9} {'build s':>8} {'':>6} {'p50 ms':>8} {'p95 ms':>8} {'recall@5':>9}",
        file=out,
    )
    for r in results:
        for name, side in (("index", r.index), ("naive", r.naive)):
            print(
                f"  {r.size:>9,} {r.build_seconds:>8.1f} {name:>6} {side.percentile(50):>8.2f} "
                f"{side.percentile(95):>8.2f} {100 * side.recall_at_5:>8.1f}%",
                file=out,
            )
    met = True
    if len(results) >= 2:
        print("Targets (issue 12):", file=out)
        for target in targets(results[0], results[-1]):
            met = met and target.met
            print(f"  [{'met' if target.met else 'NOT met'}] {target.text}", file=out)
    missed = [
        (q.typed, s) for r in results[-1:] for q, s in zip(asked, r.index.recall, strict=True)
    ]
    worst = [typed for typed, score in missed if score < 1][:10]
    if worst:
        print("  queries with a wrong listing in the top 5: " + ", ".join(worst), file=out)
    return met


async def run(sizes: Sequence[int], rng_seed: int = 1) -> list[SizeResult]:
    asked = queries(random.Random(rng_seed))  # noqa: S311 (not secrets)
    with tempfile.TemporaryDirectory(prefix="balai-search-") as folder:
        return [await measure(size, asked, Path(folder), rng_seed) for size in sizes]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench-search ARGS=...",
        description="Lapak Desa's search index against a naive rapidfuzz scan.",
    )
    parser.add_argument("--sizes", default="10000,100000", help="listings per run, comma separated")
    parser.add_argument("--rng-seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = asyncio.run(run(sizes, args.rng_seed))
    met = report(results, queries(random.Random(args.rng_seed)))  # noqa: S311 (not secrets)
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
