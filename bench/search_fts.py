"""The SQLite FTS5 baseline for bench/search.py: the same corpus and queries, standard library only.

FTS5's ``unicode61`` tokenizer with ``remove_diacritics 2`` strips tone and vowel marks but leaves "đ"
alone, so text and queries are folded with the project's :func:`index.vietnamese.fold` first (đ -> d).
That makes this index folded-only: it cannot tell "bàn" from "ban", which the Whoosh index can; it is
the speed baseline, not a quality one. Title matches weigh 4 (``bm25(docs, 4.0, 1.0)``), as in the
Whoosh index. Metadata lives in an ordinary table joined by rowid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from index.vietnamese import fold, tokenize

__all__ = ["FtsIndex"]

ICT = timezone(timedelta(hours=7))
FACETS = ("source", "department", "jurisdiction", "year", "category")


def _fold(text: str) -> str:
    return fold(text).lower()


def match_expression(query: str) -> str:
    """Our query text as an FTS5 MATCH expression (quoted tokens; phrases stay phrases)."""
    text = query.strip()
    if text.startswith('"') and text.endswith('"'):
        return '"' + " ".join(_fold(t.text) for t in tokenize(text.strip('"'))) + '"'
    return " ".join(f'"{_fold(t.text)}"' for t in tokenize(text))


class FtsIndex:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")

    def build(self, docs: Iterable[dict[str, Any]]) -> int:
        db = self.db
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
        )
        db.execute(
            "CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, ts INTEGER, source TEXT, department TEXT,"
            " jurisdiction TEXT, category TEXT, year TEXT)"
        )
        n = 0
        with db:
            for n, doc in enumerate(docs, start=1):
                published: datetime | None = doc["published"]
                body = "\n".join([doc.get("lead") or "", *doc["body"], *doc.get("doc_numbers", [])])
                db.execute(
                    "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                    (n, _fold(doc["title"]), _fold(body)),
                )
                db.execute(
                    "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        n,
                        doc["id"],
                        int(published.timestamp()) if published else None,
                        doc["source"],
                        doc["department"],
                        doc["jurisdiction"],
                        doc.get("category"),
                        f"{published.astimezone(ICT).year:04d}" if published else None,
                    ),
                )
        with db:
            db.execute("CREATE INDEX meta_ts ON meta(ts)")
            db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        return n

    def search(
        self,
        query: str,
        *,
        facets: bool = False,
        date_from: date | None = None,
        date_to: date | None = None,
        newest: bool = False,
    ) -> tuple[int, list[str]]:
        """(total, top 20 ids), with the same extras the Whoosh request asks for."""
        match = match_expression(query)
        db = self.db
        if date_from or date_to:
            lo = datetime.combine(date_from, time.min, ICT).timestamp() if date_from else -(2**62)
            hi = datetime.combine(date_to, time.max, ICT).timestamp() if date_to else 2**62
            where, args = "docs MATCH ? AND meta.ts BETWEEN ? AND ?", [match, int(lo), int(hi)]
            join = "FROM docs JOIN meta ON meta.rowid = docs.rowid"
        else:  # no join unless the query needs metadata: the fastest form of each statement
            where, args, join = "docs MATCH ?", [match], "FROM docs"
        meta = "FROM docs JOIN meta ON meta.rowid = docs.rowid"
        if newest:
            sql = f"SELECT meta.id {meta} WHERE {where} ORDER BY meta.ts DESC, meta.id LIMIT 20"
        else:
            sql = f"SELECT docs.rowid {join} WHERE {where} ORDER BY bm25(docs, 4.0, 1.0) LIMIT 20"
        rows = [r[0] for r in db.execute(sql, args)]
        if not newest:
            rows = [db.execute("SELECT id FROM meta WHERE rowid = ?", (r,)).fetchone()[0] for r in rows]
        total = db.execute(f"SELECT count(*) {join} WHERE {where}", args).fetchone()[0]
        if facets:
            for name in FACETS:
                db.execute(f"SELECT meta.{name}, count(*) {meta} WHERE {where} GROUP BY 1", args).fetchall()
        return int(total), rows

    def close(self) -> None:
        self.db.close()
