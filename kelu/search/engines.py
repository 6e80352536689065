"""The two index engines behind one interface: SQLite FTS5 and PostgreSQL tsvector + GIN.

Both store, per record id, the tokens of kelu.search.tokens and answer "which ids contain all these terms" as a SQL
subquery, so the caller joins it to a permission-scoped queryset and the database does the rest. Neither ranks: the
ranking of a bounded candidate list happens in Python (kelu.search.selectors), where both engines agree.
"""

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from kelu.search.tokens import CJK_CLASS, Query, Term

ENTITIES = ("customer", "contact")
_NAMED = re.compile(r"%\((\w+)\)s")  # named placeholders, which RawSQL cannot take


def table(entity: str) -> str:
    assert entity in ENTITIES
    return f"search_{entity}_index"


class Engine(ABC):
    """What both engines share; each says how it creates, writes and matches."""

    @abstractmethod
    def create(self) -> None: ...

    @abstractmethod
    def store(self, entity: str, docs: Sequence[tuple[int, str]], *, fresh: bool = False) -> None:
        """Write documents, replacing the ones of the same ids unless they are ``fresh`` (new records)."""
        ...

    @abstractmethod
    def remove(self, entity: str, ids: Iterable[int]) -> None: ...

    @abstractmethod
    def ids_sql(self, entity: str, query: Query) -> tuple[str, list[Any]]:
        """A subquery of the ids of the records matching every term."""
        ...

    @abstractmethod
    def id_list_sql(self, ids: list[int]) -> tuple[str, list[Any]]:
        """A subquery of these ids as one parameter (a thousand placeholders cost more to build than to run)."""
        ...

    @abstractmethod
    def tokens_match_sql(self, query: Query) -> tuple[str, list[Any]]:
        """A condition on an index row's ``tokens`` column: the row holds every term (to test one row by id)."""
        ...

    def count_capped(self, entity: str, query: Query, cap: int) -> int:
        """How many records match, counting at most ``cap + 1``."""
        sql, params = self.ids_sql(entity, query)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s) AS found", [*params, cap + 1])  # noqa: S608
            return int(cursor.fetchone()[0])

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for entity in ENTITIES:
                cursor.execute(f"DROP TABLE IF EXISTS {table(entity)}")

    def newest_sql(self, entity: str, query: Query, *, below: int | None, limit: int) -> tuple[str, list[Any]]:
        """A subquery of the newest ``limit`` matching ids below ``below`` (when given), and perhaps some of the next
        older ones: never a gap, so the newest of them are the newest matches."""
        sql, params = self.ids_sql(entity, query)
        if below is not None:
            sql, params = f"{sql} AND rowid < %s", [*params, below]
        return f"{sql} ORDER BY rowid DESC LIMIT %s", [*params, limit]

    def newest_ids(self, entity: str, query: Query, *, below: int | None, limit: int) -> list[int]:
        """A page of matching ids, newest first, below ``below`` when given (keyset paging through the index)."""
        with connection.cursor() as cursor:
            cursor.execute(*self.newest_sql(entity, query, below=below, limit=limit))
            return sorted((row[0] for row in cursor.fetchall()), reverse=True)[:limit]


class SqliteEngine(Engine):
    """FTS5 with ``detail=none``: only which rows hold a token, no positions (the tokens already encode adjacency),
    which keeps the index small; prefix indexes for the 2–4 character prefixes typed most (pinyin initials, the
    last four digits of a phone)."""

    def create(self) -> None:
        with connection.cursor() as cursor:
            for entity in ENTITIES:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table(entity)} USING fts5("
                    "tokens, detail=none, columnsize=0, prefix='2 3 4', tokenize='unicode61 remove_diacritics 0')"
                )

    def store(self, entity: str, docs: Sequence[tuple[int, str]], *, fresh: bool = False) -> None:
        if not docs:
            return
        if not fresh:
            self.remove(entity, [pk for pk, _text in docs])
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table(entity)} (rowid, tokens) VALUES (%s, %s)", docs)  # noqa: S608

    def remove(self, entity: str, ids: Iterable[int]) -> None:
        # One rowid at a time: FTS5 looks a rowid up directly, but reads the whole table for "rowid IN (...)".
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {table(entity)} WHERE rowid = %s", [(pk,) for pk in ids])  # noqa: S608

    def ids_sql(self, entity: str, query: Query) -> tuple[str, list[Any]]:
        match = " AND ".join(f'"{term.token}"' + ("*" if term.prefix else "") for term in query.terms)
        return f"SELECT rowid FROM {table(entity)} WHERE {table(entity)} MATCH %s", [match]  # noqa: S608

    def id_list_sql(self, ids: list[int]) -> tuple[str, list[Any]]:
        return "SELECT value FROM json_each(%s)", [json.dumps(ids)]

    def tokens_match_sql(self, query: Query) -> tuple[str, list[Any]]:
        # FTS5 runs a MATCH over the whole index for each row it is asked about; kelu_search_match tests the one
        # row's tokens (registered on every connection by kelu.search.apps).
        terms = [[term.token, term.prefix] for term in query.terms]
        return "kelu_search_match(tokens, %s)", [json.dumps(terms, ensure_ascii=False)]


class PostgresEngine(Engine):
    """A tsvector of our tokens (``array_to_tsvector``: no parser, no stemming) with a GIN index.

    Two kinds of lexeme are added in SQL on the way in, as FTS5 does for its prefix index, because GIN answers an
    exact lexeme from one posting list but a ``:*`` prefix by merging every lexeme that starts with it (thousands for
    "zw" or "13"), and a page of newest matches only by reading every match from the table:

    - ``zw*``: "some token starts with zw", for the 2–4 character prefixes of every token that is not CJK (CJK
      tokens are only ever matched whole), so short prefix queries are one lookup;
    - ``~122``: the record's id bucket (id >> BUCKET_BITS), so a page of newest matches asks the newest buckets
      first (``WINDOWS``), and a word found in half the records costs the matches of a few thousand ids, not of
      the whole table.
    """

    BUCKET_BITS = 13  # 8,192 ids
    WALK = 1_000  # newest ids tested one by one first, for a word in more than COMMON of the records
    COMMON = 0.1
    STATISTICS_SECONDS = 600  # how long a process trusts the lexeme frequencies it read
    WINDOWS = (2, 8)  # buckets asked in turn, newest first, before the rest of the table
    PREFIXES = (2, 4)  # shortest and longest prefix that gets a lexeme of its own

    def create(self) -> None:
        with connection.cursor() as cursor:
            for entity in ENTITIES:
                # Never scanned in parallel: every read takes a few hundred rows through the GIN index, and starting
                # workers would cost more than the read (the planner thinks otherwise for a common word).
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {table(entity)} (rowid bigint PRIMARY KEY, tokens tsvector NOT NULL) "
                    "WITH (parallel_workers = 0)"
                )
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table(entity)}_tokens ON {table(entity)} USING gin (tokens)"
                )

    @classmethod
    def document_sql(cls, tokens: str, rowid: str) -> str:
        """The tsvector of a text[] of tokens and a record id (SQL expressions), with its prefix and bucket lexemes."""
        shortest, longest = cls.PREFIXES
        return (
            f"array_to_tsvector({tokens} || ARRAY("  # noqa: S608  (SQL expressions of ours, no values)
            f"SELECT DISTINCT left(token, n) || '*' FROM unnest({tokens}) AS token, generate_series({shortest}, "
            f"{longest}) AS n WHERE char_length(token) >= n AND token !~ '^[{CJK_CLASS}]') "
            f"|| ARRAY['~' || ({rowid} >> {cls.BUCKET_BITS})::text])"
        )

    def store(self, entity: str, docs: Sequence[tuple[int, str]], *, fresh: bool = False) -> None:
        if not docs:
            return
        document = self.document_sql("string_to_array(doc.text, ' ')", "doc.rowid")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(entity)} (rowid, tokens) SELECT doc.rowid, {document} "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[]) AS doc (rowid, text) "
                "ON CONFLICT (rowid) DO UPDATE SET tokens = EXCLUDED.tokens",
                [[pk for pk, _text in docs], [text for _pk, text in docs]],
            )

    def remove(self, entity: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table(entity)} WHERE rowid = ANY(%s)", [ids])  # noqa: S608

    def _lexeme(self, term: Term) -> str | None:
        """The one lexeme that answers a term (the term itself, or its prefix lexeme), or None for a prefix too
        short or too long to have lexemes of its own (answered by a ``:*`` prefix match)."""
        shortest, longest = self.PREFIXES
        if not term.prefix:
            return term.token
        return f"{term.token}*" if shortest <= len(term.token) <= longest else None

    def _tsquery(self, query: Query) -> str:
        # Tokens are letters and digits only (kelu.search.tokens), so quoting them needs no escaping.
        lexemes = ((term, self._lexeme(term)) for term in query.terms)
        return " & ".join(f"'{lexeme}'" if lexeme else f"'{term.token}':*" for term, lexeme in lexemes)

    def ids_sql(self, entity: str, query: Query) -> tuple[str, list[Any]]:
        return f"SELECT rowid FROM {table(entity)} WHERE tokens @@ %s::tsquery", [self._tsquery(query)]  # noqa: S608

    def newest_sql(self, entity: str, query: Query, *, below: int | None, limit: int) -> tuple[str, list[Any]]:
        """One statement: the newest ``WALK`` ids, each row tested (a common word: reading the matches of even two
        buckets would cost more); only if they held too few, the newest ``WINDOWS[0]`` buckets, then (only if they
        held too few) the next ``WINDOWS[1]``, then (only if still too few: a rare word) everything older, as many
        ids as are still wanted (each id is looked up in the caller's scope). PostgreSQL tests a condition without
        columns once, before the scan it guards, and skips the scan when it is false."""
        name, bits, walk = table(entity), self.BUCKET_BITS, self.walk(entity, query)
        first, second = self.WINDOWS

        def buckets(skip: int, count: int) -> str:  # a tsquery: any of these buckets, counted from the newest
            return (
                "(SELECT string_agg(format('''~%%s''', newest - i), ' | ')::tsquery "  # noqa: S608
                f"FROM top, generate_series({skip}, {skip + count - 1}) AS i)"
            )

        # The walk: "IS TRUE" keeps the GIN index out of it (the primary key's range is the point). Elsewhere
        # "rowid + 0": sort the matches read from the GIN index, and test them against the bound, never walk or
        # scan the primary key (what the planner picks when it overestimates how common a word is, or cannot
        # know the bound). Once the walk has failed, the windows start again from the top (a few rows read twice,
        # and no duplicates).
        sql = f"""
            WITH top AS (
                SELECT below, (below - 1) >> {bits} AS newest
                FROM (SELECT coalesce(%(below)s, (SELECT max(rowid) FROM {name}) + 1, 1) AS below) AS given
            ), walk AS MATERIALIZED (
                SELECT rowid FROM {name}
                WHERE rowid < (SELECT below FROM top) AND rowid >= (SELECT below FROM top) - {walk}
                  AND (tokens @@ %(query)s::tsquery) IS TRUE
                ORDER BY rowid DESC LIMIT %(limit)s
            ), walked AS MATERIALIZED (
                SELECT count(*) >= %(limit)s AS enough FROM walk
            ), recent AS MATERIALIZED (
                SELECT rowid FROM {name}
                WHERE NOT (SELECT enough FROM walked)
                  AND tokens @@ (%(query)s::tsquery && {buckets(0, first)}) AND rowid + 0 < (SELECT below FROM top)
                ORDER BY rowid + 0 DESC LIMIT %(limit)s
            ), older AS MATERIALIZED (
                SELECT rowid FROM {name}
                WHERE NOT (SELECT enough FROM walked) AND (SELECT count(*) FROM recent) < %(limit)s
                  AND tokens @@ (%(query)s::tsquery && {buckets(first, second)})
                ORDER BY rowid + 0 DESC LIMIT %(limit)s
            )
            SELECT rowid FROM walk WHERE (SELECT enough FROM walked)
            UNION ALL SELECT rowid FROM recent UNION ALL SELECT rowid FROM older UNION ALL (
                SELECT rowid FROM {name}
                WHERE NOT (SELECT enough FROM walked)
                  AND (SELECT count(*) FROM recent) + (SELECT count(*) FROM older) < %(limit)s
                  AND tokens @@ %(query)s::tsquery
                  AND rowid + 0 < ((SELECT newest FROM top) - {first + second} + 1) << {bits}
                ORDER BY rowid + 0 DESC
                LIMIT greatest(%(limit)s - (SELECT count(*) FROM recent) - (SELECT count(*) FROM older), 0)
            )
        """  # noqa: S608
        values = {"below": below, "query": self._tsquery(query), "limit": limit}
        return _NAMED.sub("%s", sql), [values[name] for name in _NAMED.findall(sql)]

    def walk(self, entity: str, query: Query) -> int:
        """How many of the newest ids ``newest_sql`` tests one by one: ``WALK`` when ANALYZE found each term's
        lexeme in more than ``COMMON`` of the records (the walk then fills a page), else none."""
        frequencies = _lexeme_frequencies(table(entity), time.monotonic() // self.STATISTICS_SECONDS)
        lexemes = [self._lexeme(term) for term in query.terms]
        common = all(lexeme and frequencies.get(lexeme, 0.0) >= self.COMMON for lexeme in lexemes)
        return self.WALK if common else 0

    def id_list_sql(self, ids: list[int]) -> tuple[str, list[Any]]:
        return "SELECT unnest(%s::bigint[])", [ids]

    def tokens_match_sql(self, query: Query) -> tuple[str, list[Any]]:
        return "tokens @@ %s::tsquery", [self._tsquery(query)]


@lru_cache(maxsize=4)
def _lexeme_frequencies(name: str, period: float) -> dict[str, float]:
    """The most common lexemes of an index table and the share of its rows holding each, as ANALYZE last counted
    them (PostgreSQL keeps about a thousand per column); ``period`` renews the cache."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND attname = 'tokens'",
            [name],
        )
        row = cursor.fetchone()
    return dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}


@lru_cache(maxsize=256)
def _terms(encoded: str) -> tuple[tuple[str, bool], ...]:
    return tuple((token, bool(prefix)) for token, prefix in json.loads(encoded))


def sqlite_tokens_match(tokens: str | None, encoded: str) -> bool:
    """SQLite's ``kelu_search_match(tokens, terms)``: what FTS5's MATCH of the same terms says of one row."""
    held = (tokens or "").split()
    return all(
        any(token.startswith(term) for token in held) if prefix else term in held for term, prefix in _terms(encoded)
    )


def engine_for(wrapper: BaseDatabaseWrapper | None = None) -> Engine:
    vendor = (wrapper or connection).vendor
    if vendor == "postgresql":
        return PostgresEngine()
    if vendor == "sqlite":
        return SqliteEngine()
    raise RuntimeError(f"No search engine for the {vendor} database.")
