"""Benchmark corpora as JSON lines: generated Vietnamese-like news, or read from a file (see bench/search.py).

Each line is one document: ``id``, ``title``, ``lead``, ``body`` (paragraphs), ``published`` (ISO 8601 with
offset), ``source``, ``department``, ``jurisdiction``, ``category``, ``author``, ``doc_numbers``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from index.corpus import CATEGORIES, DEPARTMENTS, ICT, JURISDICTIONS, generate

__all__ = ["read_corpus", "write_from_file", "write_generated"]


def _line(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False) + "\n"


def write_generated(path: Path, n: int, *, seed: int, body_syllables: int) -> int:
    """Write ``n`` generated documents to ``path``; returns ``n``."""
    with path.open("w", encoding="utf-8") as out:
        for doc in generate(n, seed=seed, body_syllables=body_syllables):
            out.write(_line(asdict(doc) | {"published": doc.published.isoformat()}))
    return n


def _plain_docs(text: str, lines_per_doc: int) -> Iterator[list[str]]:
    lines = [line.strip() for line in text.splitlines()]
    if any(not line for line in lines):  # blank-line separated blocks
        block: list[str] = []
        for line in [*lines, ""]:
            if line:
                block.append(line)
            elif block:
                yield block
                block = []
        return
    for i in range(0, len(lines), lines_per_doc):
        yield lines[i : i + lines_per_doc]


def write_from_file(source: Path, path: Path, limit: int, *, seed: int, lines_per_doc: int) -> int:
    """Convert ``source`` (JSON lines, or plain text) into the benchmark format; returns the count.

    JSON lines need ``title`` and ``body`` (a list or a string) or ``text``; other fields are used when
    present. Plain text: blank-line separated blocks are documents, or else every ``lines_per_doc``
    lines; the first line is the title. Missing metadata is drawn at random (seeded). A source with
    fewer than ``limit`` documents is expanded deterministically (see :func:`_expanded`).
    """
    rng = random.Random(seed)
    raw = source.read_text(encoding="utf-8")
    if source.suffix in (".jsonl", ".json", ".ndjson"):
        items: Iterator[dict[str, Any]] = (json.loads(line) for line in raw.splitlines() if line.strip())
    else:
        items = ({"title": b[0], "body": b[1:]} for b in _plain_docs(raw, lines_per_doc))
    count = 0
    start = datetime(2008, 1, 1, tzinfo=ICT)
    with path.open("w", encoding="utf-8") as out:
        for item in _expanded(list(items), limit, rng):
            if count >= limit:
                break
            body = item.get("body", item.get("text", ""))
            body = [body] if isinstance(body, str) else [str(p) for p in body]
            title = str(item.get("title") or (body[0][:120] if body else ""))
            dept_code, department = rng.choice(DEPARTMENTS)
            juris_code, jurisdiction = rng.choice(JURISDICTIONS)
            published = (
                item.get("published")
                or (start + timedelta(seconds=rng.randrange(18 * 365 * 86400))).isoformat()
            )
            out.write(
                _line(
                    {
                        "id": str(item.get("id") or f"{count:016x}"),
                        "title": title,
                        "lead": item.get("lead"),
                        "body": body,
                        "published": published,
                        "source": item.get("source") or f"{juris_code}-{dept_code}",
                        "department": item.get("department") or department,
                        "jurisdiction": item.get("jurisdiction") or jurisdiction,
                        "category": item.get("category") or rng.choice(CATEGORIES),
                        "author": item.get("author"),
                        "doc_numbers": item.get("doc_numbers") or [],
                    }
                )
            )
            count += 1
    return count


def _expanded(items: list[dict[str, Any]], limit: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """``items``, then, while fewer than ``limit``, new documents made of their real sentences: a title
    and 3-12 body paragraphs, each drawn at random (seeded) from all items' titles and paragraphs. Real
    words, real word order within a paragraph, real length distribution; only the mix is new."""
    yield from items
    lines = [str(p) for item in items for p in [item.get("title") or "", *_body(item)] if str(p).strip()]
    if not lines or len(items) >= limit:
        return
    for _ in range(limit - len(items)):
        yield {"title": rng.choice(lines)[:200], "body": rng.choices(lines, k=rng.randint(3, 12))}


def _body(item: dict[str, Any]) -> list[str]:
    body = item.get("body", item.get("text", ""))
    return [body] if isinstance(body, str) else [str(p) for p in body]


def read_corpus(path: Path) -> Iterator[dict[str, Any]]:
    """The documents of a benchmark corpus file, ``published`` parsed."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield corpus_document(line)


def corpus_document(line: str) -> dict[str, Any]:
    """The document of one line of a benchmark corpus file, ``published`` parsed."""
    doc: dict[str, Any] = json.loads(line)
    doc["published"] = datetime.fromisoformat(doc["published"]) if doc.get("published") else None
    return doc
