"""Writing and deleting rows, each batch in one transaction with the collection statistics it changes.

A batch upserts its rows by id (a record written again replaces its row, so a batch repeated after a
crash duplicates nothing), and adjusts ``deptnews_terms`` (document frequency per field and term) and
``deptnews_totals`` (documents, summed field lengths, commits) by exactly what it changed, computed from
the rows it replaces, read under ``FOR UPDATE``. It also adds its rows' postings under new docnos,
counts the replaced rows' postings as dead and merges the blocks that are due
(:mod:`index.postgresql.postings`), and replaces the rows' attachment texts
(:mod:`index.postgresql.attachments`). Either all of that commits or none of it does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, sql

from index.postgresql.attachments import delete_texts, write_texts
from index.postgresql.ddl import FULLTEXT, stored_terms, term_array
from index.postgresql.documents import COLUMNS, Row
from index.postgresql.postings import Added, assign_docnos, block_size, merge_due, retire, write_postings

__all__ = ["Previous", "delete_rows", "write_rows"]

_COLS = list(FULLTEXT.values())
_OLD = sql.SQL(
    "SELECT id, searchable, doc_hash, {}, docno FROM deptnews_records WHERE id = ANY(%s) ORDER BY id "
    "FOR UPDATE"
).format(sql.SQL(", ").join(part for c in _COLS for part in (term_array(c), sql.Identifier(f"l_{c}"))))
_UPSERT = sql.SQL(
    "INSERT INTO deptnews_records ({cols}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET {updates}, "
    "indexed_at = now()"
).format(
    cols=sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
    values=sql.SQL(", ").join(
        stored_terms(c[2:], sql.Placeholder()) if c.startswith("t_") else sql.Placeholder() for c in COLUMNS
    ),
    updates=sql.SQL(", ").join(
        sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in COLUMNS if c != "id"
    ),
)


@dataclass(frozen=True)
class Previous:
    """What a row held before a batch replaced or deleted it."""

    searchable: bool
    doc_hash: bytes | None


class _Delta:
    """The change a batch makes to the collection statistics."""

    def __init__(self) -> None:
        self.df: Counter[tuple[str, str]] = Counter()
        self.totals: Counter[str] = Counter({"commits": 1})

    def remove(self, old: tuple[Any, ...]) -> None:
        """Take out an old row as :data:`_OLD` returns it."""
        if not old[1]:
            return
        self.totals["documents"] -= 1
        for i, col in enumerate(_COLS):
            terms, length = old[3 + 2 * i], old[4 + 2 * i]
            self.df.update({(col, t): -1 for t in terms or ()})
            self.totals[f"length:{col}"] -= int(length)

    def add(self, row: Row) -> None:
        """Count a new row in the totals (its terms' document frequencies come from the postings
        written, see :meth:`apply`)."""
        if not row.searchable:
            return
        self.totals["documents"] += 1
        for col, terms in row.text.items():
            self.totals[f"length:{col}"] += terms.length

    def apply(self, conn: Connection[Any], added: Sequence[Added]) -> None:
        """Write the change: the removed rows' terms and ``added``, the new rows' terms per column."""
        fields: list[str] = []
        terms: list[str] = []
        changes: list[int] = []
        for (col, term), n in self.df.items():
            fields.append(col)
            terms.append(term)
            changes.append(n)
        for each in added:
            fields += [each.col] * len(each.terms)
            terms += each.terms
            changes += each.df.tolist()
        if terms:
            # Passed as space-separated text: psycopg's list dumper costs ~30 µs a list element, and a
            # term never holds white space (index.vietnamese.TOKEN_RE). A term removed and added in the
            # same batch is summed first (an upsert cannot touch a row twice).
            conn.execute(
                "INSERT INTO deptnews_terms (field, term, df) "
                "SELECT f, t, sum(n) FROM unnest(string_to_array(%s, ' '), string_to_array(%s, ' '), "
                "string_to_array(%s, ' ')::int[]) AS u(f, t, n) GROUP BY f, t HAVING sum(n) <> 0 "
                "ORDER BY f, t "
                "ON CONFLICT (field, term) DO UPDATE SET df = deptnews_terms.df + excluded.df",
                (" ".join(fields), " ".join(terms), " ".join(map(str, changes))),
            )
        names = sorted(k for k, n in self.totals.items() if n)
        conn.execute(
            "INSERT INTO deptnews_totals (name, value) SELECT * FROM unnest(%s::text[], %s::float8[]) "
            "ON CONFLICT (name) DO UPDATE SET value = deptnews_totals.value + excluded.value",
            (names, [float(self.totals[n]) for n in names]),
        )
        conn.execute(
            "INSERT INTO deptnews_meta (key, value) VALUES ('last_commit', now()::text) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )


def write_rows(conn: Connection[Any], rows: Sequence[Row]) -> dict[str, Previous]:
    """Upsert ``rows`` in one transaction; returns what each replaced row held, by id."""
    if not rows:
        return {}
    unique = list({row.id: row for row in rows}.values())
    delta = _Delta()
    with conn.transaction():
        olds = conn.execute(_OLD, ([r.id for r in unique],)).fetchall()
        for old in olds:
            delta.remove(old)
        for row in unique:
            delta.add(row)
        assign_docnos(conn, unique)
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, [row.values() for row in unique])
        added = _postings(conn, unique, olds)
        write_texts(conn, unique)
        delta.apply(conn, added)
    return {str(old[0]): Previous(bool(old[1]), old[2]) for old in olds}


def delete_rows(conn: Connection[Any], ids: Sequence[str]) -> dict[str, Previous]:
    """Delete the rows of ``ids`` in one transaction; returns what each deleted row held, by id."""
    if not ids:
        return {}
    delta = _Delta()
    with conn.transaction():
        olds = conn.execute(_OLD, (sorted(set(ids)),)).fetchall()
        for old in olds:
            delta.remove(old)
        gone = [str(o[0]) for o in olds]
        conn.execute("DELETE FROM deptnews_records WHERE id = ANY(%s)", (gone,))
        delete_texts(conn, gone)
        _postings(conn, [], olds)
        delta.apply(conn, [])
    return {str(old[0]): Previous(bool(old[1]), old[2]) for old in olds}


def _postings(conn: Connection[Any], rows: Sequence[Row], olds: Sequence[tuple[Any, ...]]) -> list[Added]:
    """Add the postings of ``rows``, retire those of the replaced or deleted rows ``olds``, merge;
    returns the terms ``rows`` hold (:func:`~index.postgresql.postings.write_postings`)."""
    block = block_size(conn)
    added = write_postings(conn, rows, block)
    retire(conn, [int(old[-1]) for old in olds if old[-1] is not None], block)
    merge_due(conn, block)
    return added
