"""The PostgreSQL schema of the index, created and migrated idempotently.

One row per record in ``deptnews_records``: the record itself (``record``, jsonb, with every version, so
an API host reads records from the database), the stamp sync compares, and, for a searchable record
(:func:`~index.schema.searchable`; reposts are kept for reading only), what search needs:

* per full-text field (:data:`FULLTEXT`) the terms of the project's own analysis (:mod:`index.terms`:
  exact, ``~``folded and bigram) in ``t_<field>`` under a GIN index and the field length ``l_<field>``
  (the BM25 weights are in the postings, see below; version 1 kept them per row as ``w_<field>`` jsonb,
  which version 2 drops). The terms are a ``tsvector`` made from the term list as it is
  (``array_to_tsvector``: no parser, no dictionary), except for the attachments' text (``t_files``), a
  ``text[]``: a tsvector holds at most 1 MB of terms and an attachment may have more. Measured on 20,800
  generated documents: both GIN indexes take 41 MB, and testing a row that the index does not settle (a
  common word, read by a sequential scan) costs about 5 times less on the tsvector (360 ms against 1,800
  ms for 16,119 matches);
* the filter and facet values as plain columns, the publication time as ``ts`` (epoch seconds,
  :data:`~index.schema.NO_DATE` when undated) under B-tree keys ``(ts, id)`` for date order and keyset
  paging;
* the attachments' pages (``pages``, jsonb) that snippets are cut from (the first
  :data:`~index.postgresql.documents.MAX_PAGES`).

``deptnews_attachment_texts`` (version 3) holds every page of each extracted attachment of a searchable
record, by ``(id, attachment number)``, as the text store's JSON (what the attachment endpoint serves).

``deptnews_postings`` (version 2) lists per column and term the documents holding it by ``docno``, with
their weights and field lengths, for relevance (:mod:`index.postgresql.postings`, with
``deptnews_blocks`` and ``deptnews_dead``). ``deptnews_terms`` holds each term's document frequency per
field and ``deptnews_totals`` the document count and summed field lengths (BM25's collection
statistics), both kept in step with the rows in the same transactions. ``deptnews_meta`` holds the
analysis fingerprint the terms were made with and the cursor key (replicated, so a cursor is valid on
every node). ``deptnews_schema`` records the migrations applied; :func:`migrate` applies the missing
ones under an advisory lock, so concurrent writers agree.
"""

from __future__ import annotations

import os
from typing import Any

from psycopg import Connection, sql

from index.errors import IndexMissing, IndexOutdated

__all__ = [
    "FULLTEXT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TSVECTOR",
    "migrate",
    "schema_version",
    "stored_terms",
    "term_array",
    "text_indexes",
    "text_indexes_present",
]

FULLTEXT: dict[str, str] = {
    "text": "text",
    "files": "files",
    "title": "title",
    "author_t": "author",
    "department_t": "department",
}
"""Full-text field of the query language (:mod:`index.query`) → column suffix."""

TSVECTOR = frozenset(("text", "title", "author", "department"))
"""Column suffixes whose terms are a tsvector (the others: ``text[]``)."""


def term_array(col: str) -> sql.Composable:
    """The terms of ``t_<col>`` as ``text[]``, whichever type holds them."""
    column = sql.Identifier(f"t_{col}")
    return sql.SQL("tsvector_to_array({})").format(column) if col in TSVECTOR else column


def stored_terms(col: str, value: sql.Composable) -> sql.Composable:
    """What ``t_<col>`` stores for the terms ``value``, one ``text`` of terms separated by spaces (a term
    never holds white space, see :data:`index.vietnamese.TOKEN_RE`; one string is far cheaper to send
    than an array of a thousand)."""
    terms = sql.SQL("string_to_array({}::text, ' ')").format(value)
    return sql.SQL("array_to_tsvector({})").format(terms) if col in TSVECTOR else terms


_LOCK_KEY = 0x646E5F736368  # "dn_sch": serializes migrations between processes


def _fulltext_columns() -> str:
    parts = []
    for col in FULLTEXT.values():
        parts += [
            f"t_{col} tsvector NOT NULL DEFAULT ''"
            if col in TSVECTOR
            else f"t_{col} text[] NOT NULL DEFAULT '{{}}'",
            f"w_{col} jsonb NOT NULL DEFAULT '{{}}'",
            f"l_{col} integer NOT NULL DEFAULT 0",
        ]
    return ",\n  ".join(parts)


def _weights_compression() -> str:
    return ", ".join(f"ALTER COLUMN w_{col} SET COMPRESSION lz4" for col in FULLTEXT.values())


def _fulltext_indexes() -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS deptnews_records_t_{col} ON deptnews_records "
        f"USING gin (t_{col}) WHERE searchable"
        for col in FULLTEXT.values()
    ]


_V1 = [
    """CREATE TABLE IF NOT EXISTS deptnews_meta (key text PRIMARY KEY, value text NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS deptnews_records (
  id text PRIMARY KEY,
  stamp text NOT NULL DEFAULT '',
  searchable boolean NOT NULL,
  doc_hash bytea,
  record jsonb NOT NULL,
  pages jsonb NOT NULL DEFAULT '[]',
  title text NOT NULL DEFAULT '',
  url text NOT NULL DEFAULT '',
  source text NOT NULL DEFAULT '',
  department text NOT NULL DEFAULT '',
  jurisdiction text NOT NULL DEFAULT '',
  category text NOT NULL DEFAULT '',
  author text NOT NULL DEFAULT '',
  year text NOT NULL DEFAULT '',
  month text NOT NULL DEFAULT '',
  day text NOT NULL DEFAULT '',
  doc_number text[] NOT NULL DEFAULT '{{}}',
  published timestamptz,
  ts bigint NOT NULL,
  title_key bigint NOT NULL DEFAULT 0,
  body_chars integer NOT NULL DEFAULT -1,
  indexed_at timestamptz NOT NULL DEFAULT now(),
  {_fulltext_columns()}
)""",
    # The BM25 weights are read (de-TOASTed and decompressed) for every matching row a relevance page
    # scores: a jsonb of ~1,000 terms, 25 kB raw, 6.7 kB by the default pglz. lz4 keeps it at 8.9 kB and
    # decompresses faster: scoring every row of 10,000 took 171 ms against 325 ms (both warm). A server
    # built without lz4 keeps pglz (same results, slower).
    f"""DO $$ BEGIN
  ALTER TABLE deptnews_records {_weights_compression()};
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$""",
    "CREATE INDEX IF NOT EXISTS deptnews_records_ts ON deptnews_records (ts, id) WHERE searchable",
    *(
        f"CREATE INDEX IF NOT EXISTS deptnews_records_{col} ON deptnews_records ({col}, ts, id) "
        "WHERE searchable"
        for col in ("source", "department", "jurisdiction", "category", "author", "year", "month")
    ),
    # The doc_number filter: every number of the page and its attachments (index.schema.doc_number_key).
    "CREATE INDEX IF NOT EXISTS deptnews_records_doc_number ON deptnews_records USING gin (doc_number) "
    "WHERE searchable",
    *_fulltext_indexes(),
    """CREATE TABLE IF NOT EXISTS deptnews_terms (
  field text NOT NULL,
  term text NOT NULL,
  df integer NOT NULL,
  PRIMARY KEY (field, term)
)""",
    """CREATE TABLE IF NOT EXISTS deptnews_totals (name text PRIMARY KEY, value double precision NOT NULL)""",
    # BM25 of one field: the sum over the query's terms present in the document of
    # factor * weight / (weight + norm). PL/pgSQL, measured 2.5 times faster than the same sum as a SQL
    # function over unnest (which pays a subquery's set-up for every row). The weights (a few kB, kept
    # out of line by TOAST) are copied into a local value first: otherwise each lookup fetches them from
    # TOAST again (measured 3.5 to 5 times slower with 8 query terms).
    """CREATE OR REPLACE FUNCTION deptnews_bm25(weights jsonb, terms text[], factors float8[], norm float8)
RETURNS float8 LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  total float8 := 0;
  w float8;
  fetched jsonb := weights || '{}'::jsonb;
BEGIN
  FOR i IN 1..coalesce(array_length(terms, 1), 0) LOOP
    w := (fetched ->> terms[i])::float8;
    IF w IS NOT NULL THEN
      total := total + factors[i] * w / (w + norm);
    END IF;
  END LOOP;
  RETURN total;
END
$$""",
]

_V2 = [
    # Postings (see index.postgresql.postings): relevance reads only the query's terms instead of
    # de-TOASTing every matching row's weights.
    "CREATE SEQUENCE IF NOT EXISTS deptnews_docno",
    "ALTER TABLE deptnews_records ADD COLUMN IF NOT EXISTS docno bigint",
    "CREATE UNIQUE INDEX IF NOT EXISTS deptnews_records_docno ON deptnews_records (docno)",
    """CREATE TABLE IF NOT EXISTS deptnews_postings (
  col text NOT NULL,
  term text NOT NULL,
  seg bigint NOT NULL,
  docs bigint[] NOT NULL,
  weights real[] NOT NULL,
  lengths integer[] NOT NULL,
  PRIMARY KEY (col, term, seg)
)""",
    # A merged block of a common term is a few tens of kB: lz4 decompresses faster than pglz.
    """DO $$ BEGIN
  ALTER TABLE deptnews_postings ALTER COLUMN docs SET COMPRESSION lz4,
    ALTER COLUMN weights SET COMPRESSION lz4, ALTER COLUMN lengths SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$""",
    # A merge reads and rewrites one block's segments (index.postgresql.postings.merge_due).
    "CREATE INDEX IF NOT EXISTS deptnews_postings_seg ON deptnews_postings (seg)",
    """CREATE TABLE IF NOT EXISTS deptnews_blocks (
  block bigint PRIMARY KEY,
  segments integer NOT NULL DEFAULT 0,
  dead integer NOT NULL DEFAULT 0
)""",
    # Docnos no row holds any more whose entries are still in the postings (until their block merges).
    "CREATE TABLE IF NOT EXISTS deptnews_dead (docno bigint PRIMARY KEY)",
    *(f"ALTER TABLE deptnews_records DROP COLUMN IF EXISTS w_{col}" for col in FULLTEXT.values()),
    "DROP FUNCTION IF EXISTS deptnews_bm25(jsonb, text[], float8[], float8)",
    # Rows written by version 1 have no postings: the next sync rewrites every row.
    "UPDATE deptnews_records SET stamp = '' WHERE stamp <> ''",
    "INSERT INTO deptnews_meta (key, value) VALUES ('postings_block', '4096') ON CONFLICT DO NOTHING",
]

_V3 = [
    # Every page of each extracted attachment (index.postgresql.attachments), so the attachment
    # endpoint reads them from the database like the records (an API host has no text files). One row
    # per attachment, written and deleted in the batch transaction of its record's row.
    """CREATE TABLE IF NOT EXISTS deptnews_attachment_texts (
  id text NOT NULL,
  n integer NOT NULL,
  sha256 text NOT NULL,
  extracted jsonb NOT NULL,
  PRIMARY KEY (id, n)
)""",
    """DO $$ BEGIN
  ALTER TABLE deptnews_attachment_texts ALTER COLUMN extracted SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$""",
    # Rows written before version 3 whose record has an extracted attachment have no texts yet: the
    # next sync rewrites them (and only them).
    """UPDATE deptnews_records SET stamp = '' WHERE stamp <> '' AND searchable
  AND jsonb_path_exists(record, '$.attachments[*].text ? (@.status == "ok")')""",
]

_V4 = [
    # A block without dead entries is merged by concatenating its segments' arrays in segment order
    # (each segment's docnos ascend and later segments hold later docnos), instead of unnesting every
    # entry and sorting it again (index.postgresql.postings.merge_due).
    """CREATE OR REPLACE AGGREGATE deptnews_concat(anycompatiblearray) (
  SFUNC = array_cat, STYPE = anycompatiblearray, INITCOND = '{}'
)""",
]

_V5 = [
    # A search ordered or bounded by date, or faceted, finds its matches in the postings, then each
    # one's (ts, id) or facet values: from this index alone (an index-only scan) instead of a probe of
    # deptnews_records' heap per match (its rows hold the jsonb records). Measured at 1,000,000
    # documents on one common term (205,914 matches), warm: sorted by date 1.6-2.2 s through the heap,
    # 0.8-0.9 s from the index; the five facets 1.7-1.8 s, 0.9 s (docs/performance.md). Its columns are the
    # facet fields of index.schema.FACET_FIELDS (a test holds them together).
    "CREATE INDEX IF NOT EXISTS deptnews_records_docno_keys ON deptnews_records (docno) "
    "INCLUDE (ts, id, source, department, jurisdiction, category, author, year) WHERE searchable",
]

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4, _V5]
"""Statements of each schema version, in order (version n is ``MIGRATIONS[n - 1]``); each is idempotent."""

SCHEMA_VERSION = len(MIGRATIONS)


def text_indexes(conn: Connection[Any], *, present: bool) -> None:
    """Create the full-text GIN indexes where they are missing, or (``present`` false) drop them, in one
    transaction. A bulk load into an empty index writes its rows without them and creates them at its
    end: building a GIN index from a full table is several times cheaper than maintaining it row by row
    (measured on 10,000 generated documents: the row writes took 20 s of the server's time with them,
    4.3 s without, plus 9.7 s for the build). Searches stay correct without them (the postings decide
    most matches; the rest scan the rows)."""
    with conn.transaction():
        if present:
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in _fulltext_indexes():
                conn.execute(sql.SQL(statement))
        else:
            for col in FULLTEXT.values():
                conn.execute(
                    sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(f"deptnews_records_t_{col}"))
                )


def text_indexes_present(conn: Connection[Any]) -> bool:
    """Whether every full-text GIN index is there (they are missing only while a bulk load runs, or
    after one was interrupted)."""
    with conn.transaction():
        row = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY(%s)",
            ([f"deptnews_records_t_{col}" for col in FULLTEXT.values()],),
        ).fetchone()
    return bool(row and int(row[0]) == len(FULLTEXT))


def schema_version(conn: Connection[Any]) -> int:
    """The schema version the database holds; :class:`IndexMissing` when it has none yet and
    :class:`IndexOutdated` when it was made by other code. Runs in the caller's transaction."""
    found = conn.execute(
        "SELECT to_regclass('deptnews_schema') IS NOT NULL AND to_regclass('deptnews_records') IS NOT NULL"
    ).fetchone()
    if not found or not found[0]:
        raise IndexMissing("nothing has been indexed into this PostgreSQL database yet (run deptnews index)")
    row = conn.execute("SELECT max(version) FROM deptnews_schema").fetchone()
    version = int(str(row[0])) if row and row[0] is not None else 0
    if version != SCHEMA_VERSION:
        raise IndexOutdated(
            f"the PostgreSQL index has schema version {version}, this code uses {SCHEMA_VERSION} "
            "(run deptnews index with the newer of the two)"
        )
    return version


def migrate(conn: Connection[Any]) -> int:
    """Bring the database to :data:`SCHEMA_VERSION` (one transaction per version); returns the versions
    applied. :class:`IndexOutdated` when the database is newer than this code."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS deptnews_schema "
            "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = conn.execute("SELECT coalesce(max(version), 0) FROM deptnews_schema").fetchone()
        current = int(str(row[0])) if row else 0
        if current > SCHEMA_VERSION:
            raise IndexOutdated(
                f"the PostgreSQL index has schema version {current}, newer than this code's {SCHEMA_VERSION}"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version - 1]:
                conn.execute(sql.SQL(statement))
            conn.execute("INSERT INTO deptnews_schema (version) VALUES (%s)", (version,))
        conn.execute(
            "INSERT INTO deptnews_meta (key, value) VALUES ('cursor_secret', %s), ('generation', %s), "
            "('built_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) "
            "ON CONFLICT DO NOTHING",
            (os.urandom(32).hex(), os.urandom(6).hex()),
        )
        return SCHEMA_VERSION - current
