"""Typed text to one of a known set of options, tolerant of typos and abbreviations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from flows.common.text import fold

# Scores are 0-100. At or above SURE we act on the match; between CLOSE and SURE
# we offer the closest options instead of guessing.
SURE = 86.0
CLOSE = 60.0
# Text this short sits inside many words ("ok" in "selokan", "ya" in "layanan"): it counts
# only as a whole word of an option ("kk" in "pengantar kk"), scored as WRatio scores a
# whole word inside a longer phrase.
SHORT = 4
WHOLE_WORD = 90.0


@dataclass(frozen=True)
class Match:
    best: str | None
    close: Sequence[str]


def match(text: str, options: Mapping[str, Sequence[str]], limit: int = 3) -> Match:
    """Match `text` against options given as key -> names/aliases.

    Returns the key when one option is clearly best, otherwise up to `limit` close keys.
    """
    query = fold(text)
    if not query:
        return Match(None, ())
    phrases, owners, exact = _prepared(tuple((key, tuple(names)) for key, names in options.items()))
    if query in exact:  # typed exactly as we know it: no need to weigh parts
        return Match(exact[query], ())
    best_by_key: dict[str, float] = {}
    # Phrases and query are folded already (lowercase, no punctuation): no processor.
    if len(query) < SHORT:
        whole = [
            (phrase, WHOLE_WORD if query in phrase.split() else fuzz.ratio(query, phrase), index)
            for index, phrase in enumerate(phrases)
        ]
    else:
        whole = process.extract(query, phrases, scorer=fuzz.WRatio, limit=None)
    # A typo inside a sentence ("mau daftr dong") hides from a whole-text score, so
    # also compare each run of 1-3 words with each phrase.
    runs = _word_runs(query) if " " in query else []
    scored = [
        *whole,
        *(
            hit
            for run in runs
            for hit in process.extract(run, phrases, scorer=fuzz.ratio, limit=None)
        ),
    ]
    for _phrase, score, index in scored:
        key = owners[index]
        best_by_key[key] = max(score, best_by_key.get(key, 0.0))
    ranked = sorted(best_by_key.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < CLOSE:
        return Match(None, ())
    top_key, top_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    # Two options equally close (e.g. "Sukamaju" vs "Sukamakmur") is a question, not a match.
    if top_score >= SURE and top_score - runner_up >= 3:
        return Match(top_key, ())
    return Match(None, tuple(key for key, score in ranked[:limit] if score >= CLOSE))


@lru_cache(maxsize=512)
def _prepared(
    options: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """The folded phrases of a set of options, their owners, and an exact-phrase index.

    Folding is the costly part of a match and option lists are few and fixed (menus,
    villages, a letter's choices): each is folded once, not on every message.
    """
    pairs = [(fold(name), key) for key, names in options for name in names]
    exact: dict[str, str] = {}
    for phrase, key in pairs:
        exact.setdefault(phrase, key)
    return tuple(p for p, _k in pairs), tuple(k for _p, k in pairs), exact


def _word_runs(query: str) -> list[str]:
    words = query.split()
    runs = {
        " ".join(words[i : i + size]) for size in (1, 2, 3) for i in range(len(words) - size + 1)
    }
    # Very short words ("ke", "di") match too much by accident.
    return sorted(run for run in runs if len(run) >= 4)
