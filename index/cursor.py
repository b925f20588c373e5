"""Opaque, signed paging cursors ("search after" the last hit of a page).

A cursor carries the sort, the last hit's sort key (its score, or its publication time) and its id (for
relevance, also the collection statistics the first page was scored with, so that later pages score
alike), and an HMAC over that and the request it came from (query, filters, dates, sort). The next
page holds the documents strictly after that key in the request's order, so documents added meanwhile
shift no page (an offset would repeat or skip hits). A cursor that was edited, belongs to another
request or to another index (each index has its own secret key) is refused with
``QueryError("invalid cursor")``.

Format: ``1.<base64url JSON [sort, key, id, stats?]>.<base64url 16-byte HMAC-SHA256>``; URL-safe as is;
``stats`` is ``[document count, [document frequency per term], [[field, average length], …]]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import QueryError

__all__ = ["Cursor", "Stats", "decode_cursor", "encode_cursor", "ensure_secret", "read_secret"]

_VERSION = "1"
_MAX_LEN = 2048
_SECRET_FILE = "cursor.key"
_SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class Stats:
    """The collection statistics BM25F scores with that change as documents come and go: the document
    count, each positive term's document frequency (in :func:`positive_terms` order) and the average
    length of each scored field. A relevance cursor carries those of its search's first page, so every
    page scores the documents it shares with the first exactly as the first did: adding documents
    between pages then repeats or skips none of them (new documents take their place by those scores)."""

    doc_count: int
    dfs: tuple[int, ...]
    averages: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Cursor:
    sort: str
    key: float | int
    """The last hit's score (relevance) or publication time in epoch seconds (date sorts)."""
    id: str
    stats: Stats | None = None
    """Relevance: the collection statistics the first page was scored with (see :class:`Stats`)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url, accepting only the canonical spelling (no alternative padding bits)."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _mac(secret: bytes, body: str, binding: str) -> bytes:
    return hmac.new(secret, f"{body}\n{binding}".encode(), hashlib.sha256).digest()[:16]


def encode_cursor(cursor: Cursor, *, binding: str, secret: bytes) -> str:
    """The token for ``cursor``, bound to the request described by ``binding``. Statistics that would
    make the token longer than a cursor may be are left out (the next page then scores with the
    statistics of its time)."""
    fields: list[Any] = [cursor.sort, cursor.key, cursor.id]
    if cursor.stats is not None:
        stats = cursor.stats
        fields.append([stats.doc_count, list(stats.dfs), [list(a) for a in stats.averages]])
    for candidate in (fields, fields[:3]):
        body = _b64(json.dumps(candidate, separators=(",", ":")).encode())
        head = f"{_VERSION}.{body}"
        token = f"{head}.{_b64(_mac(secret, head, binding))}"
        if len(token) <= _MAX_LEN:
            break
    return token


def decode_cursor(token: str, *, binding: str, secret: bytes) -> Cursor:
    """The cursor in ``token``; ``QueryError("invalid cursor")`` unless it is intact and ours."""
    invalid = QueryError("invalid cursor")
    if len(token) > _MAX_LEN or token.count(".") != 2:
        raise invalid
    version, body, mac = token.split(".")
    if version != _VERSION:
        raise invalid
    try:
        expected = _mac(secret, f"{version}.{body}", binding)
        if not hmac.compare_digest(_unb64(mac), expected):
            raise invalid
        sort, key, rid, *rest = json.loads(_unb64(body))
        stats = _stats(rest[0]) if rest else None
    except (binascii.Error, ValueError, TypeError):
        raise invalid from None
    valid_key = isinstance(key, int | float) and not isinstance(key, bool)
    if sort not in _SORTS or not valid_key or not isinstance(rid, str) or len(rest) > 1:
        raise invalid
    return Cursor(sort=sort, key=key, id=rid, stats=stats)


def _stats(data: Any) -> Stats:
    """Statistics as :func:`encode_cursor` writes them; ValueError or TypeError otherwise."""
    doc_count, dfs, averages = data
    numbers = [doc_count, *dfs]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        raise ValueError("bad statistics")
    pairs = [(str(f), float(a)) for f, a in averages]
    if not all(isinstance(f, str) and a > 0 for f, a in averages) or not pairs == sorted(pairs):
        raise ValueError("bad statistics")
    return Stats(doc_count=doc_count, dfs=tuple(dfs), averages=tuple(pairs))


def ensure_secret(root: Path) -> None:
    """Create the index's cursor key (32 random bytes) unless it exists."""
    path = root / _SECRET_FILE
    if not path.exists():
        tmp = root / f".{_SECRET_FILE}.{os.getpid()}"
        tmp.write_bytes(os.urandom(32))
        os.replace(tmp, path)


def read_secret(root: Path) -> bytes:
    """The index's cursor key; derived from the path if the index has none (read-only copies)."""
    try:
        return (root / _SECRET_FILE).read_bytes()
    except OSError:
        return hashlib.sha256(str(root.resolve()).encode()).digest()
