"""Postings: which documents hold a term, with what weight, so that relevance reads only the query's
terms.

Scoring a match from its row means reading (de-TOASTing and decompressing) the row's weights of every
term it holds: a few kB per document, so a common word cost ~170 ms per 10,000 matches (see
docs/performance.md). ``deptnews_postings`` holds instead, per full-text column and term, lists of
``(docno, weight, field length)``: a search reads the lists of its few terms, sums BM25 per document in
one aggregate and joins the best to their rows. This is what an inverted index is; PostgreSQL keeps it
in an ordinary table with its B-tree key ``(col, term, seg)``.

Each searchable row gets a new ``docno`` (a sequence) whenever it is written, so lists are only ever
appended to; a list entry whose docno no row holds any more is dead and skipped by the join to the rows.
To keep writes cheap and lists few, docnos are grouped in blocks of ``postings_block`` (a value of
``deptnews_meta``, 4,096 unless a database was made otherwise), and within a block:

* a written batch adds one list per term it holds: a *segment*, keyed by its first docno in the block;
* a block is *merged* (its segments rewritten as one list per term, dead entries dropped) when it is
  complete and has more than one segment, when it has :data:`MAX_SEGMENTS` (many small batches), or when
  over a quarter of its documents are dead (records rewritten or deleted since).

``deptnews_blocks`` counts each block's segments and dead entries, ``deptnews_dead`` lists the dead
docnos whose entries are still there (a search that reads no row leaves them out with it). Every change
is made in the writer's batch transaction, so a killed writer leaves lists, rows and counts in step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from psycopg import Connection

from index.postgresql.copybinary import (
    FLOAT4,
    HEAD,
    INT4,
    INT8,
    SIGNATURE,
    TRAILER,
    Elements,
    array_heads,
    bigint_fields,
    text_field,
)
from index.postgresql.ddl import FULLTEXT
from index.postgresql.documents import Row

__all__ = [
    "MAX_SEGMENTS",
    "Added",
    "assign_docnos",
    "block_size",
    "merge_due",
    "next_docno",
    "retire",
    "write_postings",
]

_CHUNK = 20_000
"""Lists per piece of COPY data."""
MAX_SEGMENTS = 32
"""Segments after which a block that is not complete yet is merged anyway (a daily crawl's small
batches would otherwise leave hundreds of short lists per term)."""

_COPY = "COPY deptnews_postings (col, term, seg, docs, weights, lengths) FROM STDIN (FORMAT binary)"
_MERGE = """
WITH gone AS (
  DELETE FROM deptnews_postings WHERE seg >= %(start)s AND seg < %(end)s
  RETURNING col, term, docs, weights, lengths
), live AS (
  SELECT docno FROM deptnews_records WHERE docno >= %(start)s AND docno < %(end)s
)
INSERT INTO deptnews_postings (col, term, seg, docs, weights, lengths)
SELECT g.col, g.term, %(start)s, array_agg(u.d ORDER BY u.d), array_agg(u.w ORDER BY u.d),
       array_agg(u.l ORDER BY u.d)
FROM gone AS g CROSS JOIN LATERAL unnest(g.docs, g.weights, g.lengths) AS u(d, w, l)
JOIN live ON live.docno = u.d
GROUP BY g.col, g.term
"""
_NONE_DEAD = "SELECT NOT EXISTS (SELECT 1 FROM deptnews_dead WHERE docno >= %(start)s AND docno < %(end)s)"
_CONCAT = """
WITH gone AS (
  DELETE FROM deptnews_postings WHERE seg >= %(start)s AND seg < %(end)s
  RETURNING col, term, seg, docs, weights, lengths
)
INSERT INTO deptnews_postings (col, term, seg, docs, weights, lengths)
SELECT col, term, %(start)s, deptnews_concat(docs ORDER BY seg), deptnews_concat(weights ORDER BY seg),
       deptnews_concat(lengths ORDER BY seg)
FROM gone GROUP BY col, term
"""


def block_size(conn: Connection[Any]) -> int:
    """Docnos per block, as the database was made with."""
    row = conn.execute("SELECT value FROM deptnews_meta WHERE key = 'postings_block'").fetchone()
    return max(1, int(str(row[0]))) if row else 4096


def next_docno(conn: Connection[Any]) -> int:
    """The docno the next searchable row written will get."""
    row = conn.execute("SELECT last_value, is_called FROM deptnews_docno").fetchone()
    return int(row[0]) + 1 if row and row[1] else 1


def assign_docnos(conn: Connection[Any], rows: Sequence[Row]) -> None:
    """Give every searchable row of ``rows`` a new docno, in order (one writer at a time, so increasing);
    the others get none."""
    wanted = [row for row in rows if row.searchable]
    for row in rows:
        row.docno = None
    if not wanted:
        return
    found = conn.execute(
        "SELECT nextval('deptnews_docno') FROM generate_series(1, %s) ORDER BY 1", (len(wanted),)
    ).fetchall()
    for row, (docno,) in zip(wanted, found, strict=True):
        row.docno = int(docno)


@dataclass(frozen=True)
class Added:
    """The terms a batch's rows hold in one column, and in how many of the rows each (what the batch adds
    to their document frequencies)."""

    col: str
    terms: list[str]
    df: npt.NDArray[np.int64]


def write_postings(conn: Connection[Any], rows: Sequence[Row], block: int) -> list[Added]:
    """Add the lists of the numbered ``rows`` (one segment per block they fall in); returns the terms
    they hold per column."""
    numbered = sorted((row for row in rows if row.docno is not None), key=lambda row: row.docno or 0)
    if not numbered:
        return []
    first: dict[int, int] = {}
    for row in numbered:
        assert row.docno is not None
        first.setdefault(row.docno // block, row.docno)
    added: list[Added] = []
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        copy.write(SIGNATURE)
        for col in FULLTEXT.values():
            lists = _lists(col, numbered, block, first)
            if lists is not None:
                added.append(lists[0])
                for chunk in lists[1]:
                    copy.write(chunk)
        copy.write(TRAILER)
    blocks = sorted(first)
    conn.execute(
        "INSERT INTO deptnews_blocks (block, segments) SELECT b, 1 FROM unnest(%s::bigint[]) AS b "
        "ON CONFLICT (block) DO UPDATE SET segments = deptnews_blocks.segments + 1",
        (blocks,),
    )
    return added


def _lists(
    col: str, rows: Sequence[Row], block: int, first: dict[int, int]
) -> tuple[Added, Iterator[bytes]] | None:
    """The lists of column ``col`` of ``rows`` (in docno order) as binary COPY rows, one per term and
    block, in chunks of :data:`_CHUNK` lists, each encoded when it is sent (a bulk load's batch fills
    a whole block: its COPY data is never held at once): every posting is placed by one stable sort
    of term numbers, so no Python runs per posting."""
    terms: list[str] = []
    weights: list[npt.NDArray[np.float32]] = []
    counts: list[int] = []
    docnos: list[int] = []
    lengths: list[int] = []
    for row in rows:
        found = row.text.get(col)
        if found is None or not found.terms:
            continue
        terms += found.terms
        weights.append(found.weights)
        counts.append(len(found.terms))
        docnos.append(row.docno or 0)
        lengths.append(found.length)
    if not terms:
        return None
    unique = list(dict.fromkeys(terms))
    number = {term: n for n, term in enumerate(unique)}
    ids = np.fromiter(map(number.__getitem__, terms), dtype=np.int64, count=len(terms))
    order = np.argsort(ids, kind="stable")  # by term, then docno: the rows came in docno order
    ids = ids[order]
    docs = np.repeat(np.array(docnos, dtype=np.int64), counts)[order]
    blocks = docs // block
    edges = np.flatnonzero((ids[1:] != ids[:-1]) | (blocks[1:] != blocks[:-1])) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(ids)]))
    keys = np.array(sorted(first), dtype=np.int64)
    segs = np.array([first[k] for k in keys.tolist()], dtype=np.int64)[np.searchsorted(keys, blocks[starts])]
    sizes_of = ends - starts
    seg_fields = bigint_fields(segs)
    docs_heads, weights_heads, lengths_heads = (array_heads(oid, sizes_of) for oid in (INT8, FLOAT4, INT4))
    scores = np.concatenate(weights)[order]
    sizes = np.repeat(np.array(lengths, dtype=np.int32), counts)[order]
    del terms, weights, order, number
    head = b"\x00\x06" + text_field(col)
    names = [text_field(term) for term in unique]
    df = np.bincount(ids, minlength=len(unique)).astype(np.int64)
    first_posting, last_posting, term_of = starts.tolist(), ends.tolist(), ids[starts].tolist()

    def chunks() -> Iterator[bytes]:
        # One row per list: column, term, seg, then each array's header and its slice of the elements
        # (12 bytes an entry for bigint docnos, 8 for real weights and integer lengths), encoded a
        # chunk of lists at a time.
        for lo in range(0, len(first_posting), _CHUNK):
            hi = min(lo + _CHUNK, len(first_posting))
            p0, p1 = first_posting[lo], last_posting[hi - 1]
            entries = Elements(INT8, docs[p0:p1]).data
            points = Elements(FLOAT4, scores[p0:p1]).data
            fields = Elements(INT4, sizes[p0:p1]).data
            yield b"".join(
                b"".join(
                    (
                        head,
                        names[term_of[g]],
                        seg_fields[g * 12 : g * 12 + 12],
                        docs_heads[g * HEAD : g * HEAD + HEAD],
                        entries[(s - p0) * 12 : (e - p0) * 12],
                        weights_heads[g * HEAD : g * HEAD + HEAD],
                        points[(s - p0) * 8 : (e - p0) * 8],
                        lengths_heads[g * HEAD : g * HEAD + HEAD],
                        fields[(s - p0) * 8 : (e - p0) * 8],
                    )
                )
                for g, s, e in zip(range(lo, hi), first_posting[lo:hi], last_posting[lo:hi], strict=True)
            )

    return Added(col, unique, df), chunks()


def retire(conn: Connection[Any], docnos: Sequence[int], block: int) -> None:
    """Count the entries of ``docnos`` (rows rewritten or deleted) as dead in their blocks."""
    dead: dict[int, int] = {}
    for docno in docnos:
        dead[docno // block] = dead.get(docno // block, 0) + 1
    if docnos:
        conn.execute(
            "INSERT INTO deptnews_dead (docno) SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
            (sorted(set(docnos)),),
        )
    if dead:
        keys = sorted(dead)
        conn.execute(
            "UPDATE deptnews_blocks AS b SET dead = b.dead + d.n "
            "FROM unnest(%s::bigint[], %s::int[]) AS d(block, n) WHERE b.block = d.block",
            (keys, [dead[k] for k in keys]),
        )


def merge_due(conn: Connection[Any], block: int) -> int:
    """Merge every block that is due (see the module docstring); returns how many were."""
    assigned = next_docno(conn)
    due = conn.execute(
        "SELECT block, dead FROM deptnews_blocks WHERE (segments > 1 AND ((block + 1) * %(size)s <= %(next)s "
        "OR segments >= %(most)s)) OR dead * 4 > %(size)s ORDER BY block",
        {"size": block, "next": assigned, "most": MAX_SEGMENTS},
    ).fetchall()
    for number, dead in due:
        start = int(number) * block
        # Without dead entries (a bulk load, new documents) the segments are only concatenated.
        bounds = {"start": start, "end": start + block}
        clean = not dead and conn.execute(_NONE_DEAD, bounds).fetchone() == (True,)
        kept = conn.execute(_CONCAT if clean else _MERGE, bounds).rowcount
        conn.execute("DELETE FROM deptnews_dead WHERE docno >= %s AND docno < %s", (start, start + block))
        if kept > 0:
            conn.execute("UPDATE deptnews_blocks SET dead = 0, segments = 1 WHERE block = %s", (int(number),))
        else:  # every document of the block is gone
            conn.execute("DELETE FROM deptnews_blocks WHERE block = %s", (int(number),))
    return len(due)
