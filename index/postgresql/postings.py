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

from collections.abc import Sequence
from typing import Any

from psycopg import Connection

from index.postgresql.documents import Row

__all__ = ["MAX_SEGMENTS", "assign_docnos", "block_size", "merge_due", "retire", "write_postings"]

MAX_SEGMENTS = 32
"""Segments after which a block that is not complete yet is merged anyway (a daily crawl's small
batches would otherwise leave hundreds of short lists per term)."""

_COPY = "COPY deptnews_postings (col, term, seg, docs, weights, lengths) FROM STDIN"
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


def _array(numbers: list[int] | list[float]) -> str:
    """The array input text of ``numbers``: psycopg's list dumper costs ~30 µs a list, and a batch writes
    hundreds of thousands of them (numbers need no quoting)."""
    return "{" + ",".join(map(repr, numbers)) + "}"


def block_size(conn: Connection[Any]) -> int:
    """Docnos per block, as the database was made with."""
    row = conn.execute("SELECT value FROM deptnews_meta WHERE key = 'postings_block'").fetchone()
    return max(1, int(str(row[0]))) if row else 4096


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


def write_postings(conn: Connection[Any], rows: Sequence[Row], block: int) -> None:
    """Add the lists of the numbered ``rows``: one segment per block they fall in."""
    numbered = sorted((row.docno, row) for row in rows if row.docno is not None)
    if not numbered:
        return
    first: dict[int, int] = {}
    for docno, _ in numbered:
        first.setdefault(docno // block, docno)
    lists: dict[tuple[str, str, int], tuple[list[int], list[float], list[int]]] = {}
    for docno, row in numbered:
        seg = first[docno // block]
        for col, terms in row.text.items():
            for term in terms.terms:
                entry = lists.get((col, term, seg))
                if entry is None:
                    entry = lists[(col, term, seg)] = ([], [], [])
                entry[0].append(docno)
                entry[1].append(terms.weights[term])
                entry[2].append(terms.length)
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        for (col, term, seg), (docs, weights, lengths) in lists.items():
            copy.write_row((col, term, seg, _array(docs), _array(weights), _array(lengths)))
    blocks = sorted(first)
    conn.execute(
        "INSERT INTO deptnews_blocks (block, segments) SELECT b, 1 FROM unnest(%s::bigint[]) AS b "
        "ON CONFLICT (block) DO UPDATE SET segments = deptnews_blocks.segments + 1",
        (blocks,),
    )


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
    row = conn.execute("SELECT last_value, is_called FROM deptnews_docno").fetchone()
    assigned = int(row[0]) + 1 if row and row[1] else 1  # the next docno to be given
    due = conn.execute(
        "SELECT block FROM deptnews_blocks WHERE (segments > 1 AND ((block + 1) * %(size)s <= %(next)s "
        "OR segments >= %(most)s)) OR dead * 4 > %(size)s ORDER BY block",
        {"size": block, "next": assigned, "most": MAX_SEGMENTS},
    ).fetchall()
    for (number,) in due:
        start = int(number) * block
        kept = conn.execute(_MERGE, {"start": start, "end": start + block}).rowcount
        conn.execute("DELETE FROM deptnews_dead WHERE docno >= %s AND docno < %s", (start, start + block))
        if kept > 0:
            conn.execute("UPDATE deptnews_blocks SET dead = 0, segments = 1 WHERE block = %s", (int(number),))
        else:  # every document of the block is gone
            conn.execute("DELETE FROM deptnews_blocks WHERE block = %s", (int(number),))
    return len(due)
