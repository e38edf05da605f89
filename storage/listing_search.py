"""Lapak Desa's search index: typo-tolerant, and fast at 100,000 listings.

Design (the same steps and results on SQLite and PostgreSQL; the tables differ):

- Text is normalised once, the same way for listings and queries: casefolded, accents
  dropped, everything but letters and digits a space, and every word put through ALIASES
  (kripik -> keripik, telor -> telur, arn -> aren ...). A seller's "Kripik" and a buyer's
  "keripik" are the same word before anything is matched; spelling variants are handled
  by this maintained list, not by luck.
- `listing_search` holds each listing's normalised text, so a word is a substring search
  served by a trigram index (a few posting lists, never a scan). SQLite (migration 0009):
  FTS5 with the trigram tokenizer (rowid = listing id, village id unindexed), a quoted
  word in MATCH. PostgreSQL (0016): a plain table (id, village_id, body) with a pg_trgm
  GIN index (gin_trgm_ops) serving `body LIKE '%word%'`; a listing indexed again is an
  INSERT ... ON CONFLICT (id) DO UPDATE, so two transactions at once both commit.
- `listing_search_terms` is the vocabulary: every word any listing ever used, each once
  (INSERT ... ON CONFLICT DO NOTHING), with a trigram index: its own FTS5 table kept by a
  trigger on SQLite, a GIN trigram index on PostgreSQL (where `term` is COLLATE "C", so
  prefix ranges compare bytes as SQLite does). A typed word that is not in the vocabulary
  is a slip. Its candidates are the vocabulary words sharing a trigram with it (the 60
  best: FTS5's rank, or pg_trgm's similarity) and those of about its length with its
  first letter (one slip in a 4-letter word leaves no trigram: "tepe"); a few thousand
  words at most, however many listings. Those within one edit (two from 6 letters; a
  swap is one edit, rapidfuzz's OSA distance) are kept, closest first, and so are
  completions of a cut-off word ("singk"). Words are never removed: a stale word only
  finds no listing; the vocabulary grows with distinct words.
- The listing query is the corrected words ANDed (each an OR of its corrections), newest
  first, capped at CANDIDATES rows; when too few listings have them all, any of them.
  rapidfuzz then ranks the candidates against the corrected query: the first line (the
  name) holding the words, then the name starting with them, then the whole text.
- Short words: trigrams need 3 characters. A 2-character word is completed from the
  vocabulary (sorted, so "ko" -> kol, kopi ...); a 1-character word only helps ranking;
  a shorter vocabulary word among a slip's corrections matches no listing (FTS5 finds
  none; PostgreSQL leaves it out alike). Queries are cut to MAX_WORDS words of MAX_WORD
  characters; only quoted vocabulary words ever reach MATCH, and on PostgreSQL every word
  is a bound parameter of LIKE ([0-9a-z]+: no wildcard), so query syntax is just text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from sqlalchemy import and_, column, delete, func, literal, or_, select, table
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

TABLES = ("listing_search", "listing_search_terms", "listing_search_terms_fts")


def is_search_table(name: str | None) -> bool:
    """Our tables and FTS5's shadow tables, which storage.models does not describe."""
    return bool(name) and str(name).startswith(TABLES[0])


# The listing index as queries see it: FTS5's rowid is the listing id on SQLite, `id`
# (the primary key) on PostgreSQL.
_SEARCH = table(TABLES[0], column("rowid"), column("id"), column("body"), column("village_id"))
_TERMS = table(TABLES[1], column("term"))


def _key(dialect: str) -> ColumnClause[Any]:
    return _SEARCH.c.rowid if dialect == "sqlite" else _SEARCH.c.id


MAX_WORDS = 8
MAX_WORD = 30
CANDIDATES = 300
CORRECTIONS = 3  # vocabulary words kept per typed word

# Typed form -> the form listings are indexed and searched under. Keep it sorted by
# meaning; both sides are normalised words (lowercase ASCII letters and digits).
ALIASES: dict[str, str] = {
    # spelling variants
    "kripik": "keripik",
    "kripick": "keripik",
    "keripick": "keripik",
    "telor": "telur",
    "sambel": "sambal",
    "robsta": "robusta",
    "robustha": "robusta",
    "arabica": "arabika",
    "arn": "aren",
    "bwg": "bawang",
    "bw": "bawang",
    "sayuran": "sayur",
    "cabe": "cabai",
    "cabay": "cabai",
    "lombok": "cabai",
    "tempeh": "tempe",
    "kcg": "kacang",
    "kc": "kacang",
    "duren": "durian",
    "pete": "petai",
    "papaya": "pepaya",
    "kates": "pepaya",
    "jgg": "jagung",
    "ketela": "singkong",
    "kasava": "singkong",
    "gl": "gula",
    "klapa": "kelapa",
    "krupuk": "kerupuk",
    "kueh": "kue",
    "kuwe": "kue",
    "djahe": "jahe",
    "kunir": "kunyit",
    "ayem": "ayam",
    "kpg": "kampung",
    "kamp": "kampung",
    "brs": "beras",
    "mnyk": "minyak",
    "grg": "goreng",
    "ikn": "ikan",
    "tauhu": "tahu",
    "psg": "pisang",
    "service": "servis",
    "sevis": "servis",
    "reparasi": "servis",
    "handphone": "hp",
    "mtr": "motor",
    "kilo": "kg",
    "kilogram": "kg",
    "gr": "gram",
    "grm": "gram",
    "ltr": "liter",
    "lt": "liter",
    "bks": "bungkus",
    "bgks": "bungkus",
    "pcs": "buah",
    "bh": "buah",
    "btr": "butir",
    "ikt": "ikat",
    "krg": "karung",
    "pkt": "paket",
    "org": "organik",
    "organic": "organik",
    "ori": "original",
    "orisinil": "original",
    "pedes": "pedas",
    "pds": "pedas",
    "mns": "manis",
    "bubuck": "bubuk",
    "sangray": "sangrai",
    "anyam": "anyaman",
    "bamboo": "bambu",
    "jait": "jahit",
    "ojeg": "ojek",
    "ptg": "potong",
    "benih": "bibit",
    "embek": "kambing",
    "itik": "bebek",
    "merica": "lada",
    "mrica": "lada",
    "coklat": "cokelat",
    "cacao": "kakao",
    "cocoa": "kakao",
    "vanilla": "vanili",
    "panili": "vanili",
}

_NOT_A_WORD = re.compile(r"[^0-9a-z]+")


def normalise(value: str) -> str:
    """Casefolded ASCII words with aliases applied, one space apart."""
    return " ".join(_words(value))


def _words(value: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = folded.encode("ascii", "ignore").decode("ascii")
    return [ALIASES.get(word, word) for word in _NOT_A_WORD.split(plain) if word]


def _document(value: str) -> str:
    """The indexed text: each line normalised, lines kept (the first one is the name)."""
    lines = (normalise(line) for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def _dialect(session: AsyncSession) -> str:
    name = session.get_bind().dialect.name
    if name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"listing search runs on SQLite and PostgreSQL, not {name}")
    return name


async def index(session: AsyncSession, listing_id: int, village_id: int, text: str) -> None:
    """Insert or replace a listing's searchable text (name on the first line, then
    category label and description)."""
    await index_many(session, [(listing_id, village_id, text)])


async def index_many(session: AsyncSession, rows: Iterable[tuple[int, int, str]]) -> None:
    """Insert or replace many listings at once: (listing id, village id, text) each."""
    dialect = _dialect(session)
    # The last text given for a listing wins; ids sorted so that two transactions lock
    # rows in the same order.
    documents = {int(lid): (int(vid), _document(body)) for lid, vid, body in rows}
    if not documents:
        return
    values = [
        {"id": lid, "body": doc, "village": vid} for lid, (vid, doc) in sorted(documents.items())
    ]
    if dialect == "sqlite":
        # FTS5 tables take no ON CONFLICT; SQLite runs one writer at a time anyway.
        await session.execute(
            sql("DELETE FROM listing_search WHERE rowid = :id"), [{"id": v["id"]} for v in values]
        )
        await session.execute(
            sql(
                "INSERT INTO listing_search (rowid, body, village_id) VALUES (:id, :body, :village)"
            ),
            values,
        )
    else:
        await session.execute(
            sql(
                "INSERT INTO listing_search (id, village_id, body) VALUES (:id, :village, :body)"
                " ON CONFLICT (id) DO UPDATE"
                " SET village_id = excluded.village_id, body = excluded.body"
            ),
            values,
        )
    terms = {word for _vid, doc in documents.values() for word in doc.split() if len(word) >= 2}
    if terms:
        # Known words are skipped, also when another transaction is adding them right now;
        # on SQLite a trigger adds each new word to listing_search_terms_fts.
        await session.execute(
            sql("INSERT INTO listing_search_terms (term) VALUES (:term) ON CONFLICT DO NOTHING"),
            [{"term": term} for term in sorted({term[:MAX_WORD] for term in terms})],
        )


async def remove(session: AsyncSession, listing_id: int) -> None:
    """Take a listing out of the index (withdrawn, sold, expired, rejected)."""
    key = _key(_dialect(session))
    await session.execute(delete(_SEARCH).where(key == int(listing_id)))


async def search(
    session: AsyncSession, village_ids: Sequence[int], query: str, limit: int
) -> list[int]:
    """Listing ids in these villages for what a buyer typed, best first."""
    dialect = _dialect(session)
    words = query_words(query)
    if not words or not village_ids or limit <= 0 or sum(map(len, words)) < 2:
        return []
    groups = await corrected(session, words)
    if not groups:
        return []
    villages = sorted({int(v) for v in village_ids})
    rows = await _candidates(session, villages, _holding(dialect, groups, every=True))
    if len(rows) < limit and len(groups) > 1:
        seen = {lid for lid, _body in rows}
        more = await _candidates(session, villages, _holding(dialect, groups, every=False))
        rows += [(lid, body) for lid, body in more if lid not in seen]
    wanted = " ".join(group[0] for group in groups)
    typed = " ".join(words)

    def score(item: tuple[int, str]) -> tuple[float, int]:
        lid, body = item
        name = body.split("\n", 1)[0]
        whole = body.replace("\n", " ")
        # The name holding the words, then the name starting with them ("Durian Montong"
        # before "Bibit Durian Montong"), then the rest of the text.
        closeness = (
            3 * fuzz.token_set_ratio(wanted, name)
            + 2 * fuzz.ratio(wanted, name[: len(wanted)])
            + fuzz.token_set_ratio(wanted, whole)
            + 0.5 * fuzz.token_set_ratio(typed, name)
        )
        return closeness, lid

    return [lid for lid, _body in sorted(rows, key=score, reverse=True)[:limit]]


def query_words(query: str) -> list[str]:
    """The words of a query as the search reads them: normalised, aliased, each once."""
    words = [word[:MAX_WORD] for word in _words(query[: MAX_WORDS * (MAX_WORD + 1) * 4])]
    return list(dict.fromkeys(words))[:MAX_WORDS]


async def corrected(
    session: AsyncSession, words: Sequence[str], memo: dict[str, list[str]] | None = None
) -> list[list[str]]:
    """Each typed word's vocabulary words (itself, or its corrections), words without any
    left out: what a listing must hold, one of each group. `memo` keeps corrections for
    words seen before (many saved searches share words)."""
    groups: list[list[str]] = []
    for word in words:
        found = memo.get(word) if memo is not None else None
        if found is None:
            found = await _corrections(session, word)
            if memo is not None:
                memo[word] = found
        if found:
            groups.append(found)
    return groups


async def matches(session: AsyncSession, listing_id: int, groups: list[list[str]]) -> bool:
    """Whether the indexed listing holds one word of each group: the condition `search`
    puts first (every word), asked of one listing by its id."""
    dialect = _dialect(session)
    holding = _holding(dialect, groups, every=True)
    if holding is None:
        return False
    key = _key(dialect)
    statement = select(literal(1)).select_from(_SEARCH).where(holding, key == int(listing_id))
    found = await session.scalar(statement)
    return found is not None


def _holding(dialect: str, groups: list[list[str]], every: bool) -> ColumnElement[bool] | None:
    """The condition on listing_search for a listing holding one word of each group
    (`every`) or any word of any group; None when no listing can. Words are bound."""
    # A trigram index finds no word shorter than 3 characters (FTS5 matches none):
    # such a word matches nothing on either database.
    groups = [[word for word in group if len(word) >= 3] for group in groups]
    if every and not all(groups):
        return None
    groups = [group for group in groups if group]
    if not groups:
        return None
    if dialect == "sqlite":
        # Vocabulary words are [0-9a-z]+ only, so quoting makes them plain FTS5 strings.
        match = (" AND " if every else " OR ").join(
            "(" + " OR ".join(f'"{word}"' for word in group) + ")" for group in groups
        )
        return column(TABLES[0]).match(match)
    # PostgreSQL: LIKE '%word%' is served by the GIN trigram index (gin_trgm_ops);
    # words are [0-9a-z]+, so they hold no LIKE wildcard.
    body = _SEARCH.c.body
    each = [or_(*(body.like(f"%{word}%") for word in group)) for group in groups]
    return and_(*each) if every else or_(*each)


async def _candidates(
    session: AsyncSession, villages: list[int], holding: ColumnElement[bool] | None
) -> list[tuple[int, str]]:
    if holding is None:
        return []
    key = _key(_dialect(session))
    statement = (
        select(key, _SEARCH.c.body)
        .select_from(_SEARCH)
        .where(holding, _SEARCH.c.village_id.in_(villages))
        .order_by(key.desc())
        .limit(CANDIDATES)
    )
    result = await session.execute(statement)
    return [(int(row[0]), str(row[1])) for row in result]


async def _corrections(session: AsyncSession, word: str) -> list[str]:
    """The vocabulary words a typed word stands for: itself if known, else close ones."""
    if len(word) < 2:
        return []
    if len(word) == 2:
        completions = await session.scalars(
            sql(
                "SELECT term FROM listing_search_terms WHERE term > :low AND term < :high"
                " AND length(term) >= 3 ORDER BY length(term), term LIMIT :limit"
            ),
            {"low": word, "high": word + "\x7f", "limit": CORRECTIONS * 3},
        )
        return list(completions)
    known = await session.scalar(
        sql("SELECT 1 FROM listing_search_terms WHERE term = :word"), {"word": word}
    )
    if known:
        return [word]
    # Trigrams find slips after the first three letters; short words lose every trigram
    # to one slip ("tepe"), so words of about the same length and the same first letter
    # (people rarely miss that one) are candidates too.
    trigrams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
    if _dialect(session) == "sqlite":
        by_trigram = await session.scalars(
            sql(
                "SELECT term FROM listing_search_terms_fts WHERE listing_search_terms_fts"
                " MATCH :match ORDER BY rank LIMIT 60"
            ),
            {"match": " OR ".join(f'"{t}"' for t in trigrams)},
        )
    else:
        # Words holding any of its trigrams (an OR of LIKEs, each served by the GIN
        # trigram index: LIKE ANY is not), the most alike first.
        term = _TERMS.c.term
        by_trigram = await session.scalars(
            select(term)
            .where(or_(*(term.like(f"%{t}%") for t in trigrams)))
            .order_by(func.similarity(term, word).desc(), term)
            .limit(60)
        )
    by_letter = await session.scalars(
        sql(
            "SELECT term FROM listing_search_terms WHERE term >= :low AND term < :high"
            " AND length(term) BETWEEN :shortest AND :longest ORDER BY term LIMIT 2000"
        ),
        {
            "low": word[0],
            "high": chr(ord(word[0]) + 1),
            "shortest": len(word) - 2,
            "longest": len(word) + 2,
        },
    )
    allowed = 1 if len(word) <= 5 else 2
    scored = []
    for term in set(by_trigram) | set(by_letter):
        distance = OSA.distance(word, term, score_cutoff=allowed)
        if distance > allowed and len(word) >= 4 and term.startswith(word):
            distance = allowed  # a cut-off word: "singk" -> singkong
        if distance <= allowed:
            scored.append((distance, -fuzz.ratio(word, term), term))
    scored.sort()
    return [term for _distance, _ratio, term in scored[:CORRECTIONS]]
