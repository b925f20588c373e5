"""Signed paging cursors (index.cursor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.cursor import Cursor, Stats, decode_cursor, encode_cursor, ensure_secret, read_secret
from index.errors import QueryError

SECRET = b"k" * 32


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("relevance", 3.141592653589793, "00ab"),
        Cursor("newest", 1278262800, "ffff"),
        Cursor("oldest", -(2**62), "a"),
        Cursor("relevance", 2.5, "00ab", Stats(1000, (3, 0, 999), (("text", 612.25), ("title", 8.0)))),
    ],
)
def test_round_trip(cursor: Cursor) -> None:
    token = encode_cursor(cursor, binding="q", secret=SECRET)
    assert decode_cursor(token, binding="q", secret=SECRET) == cursor
    assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe as is


def test_refuses_other_binding_secret_and_edits() -> None:
    token = encode_cursor(Cursor("newest", 5, "id"), binding="q", secret=SECRET)
    with pytest.raises(QueryError, match="invalid cursor"):
        decode_cursor(token, binding="other", secret=SECRET)
    with pytest.raises(QueryError, match="invalid cursor"):
        decode_cursor(token, binding="q", secret=b"x" * 32)
    for i in range(len(token)):
        if token[i] == ".":
            continue
        edited = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(QueryError, match="invalid cursor"):
            decode_cursor(edited, binding="q", secret=SECRET)


@pytest.mark.parametrize("token", ["", ".", "1..", "1.e30.e30", "1.!!.??", "9.a.b", "a" * 600, "1.a.b.c"])
def test_refuses_garbage(token: str) -> None:
    with pytest.raises(QueryError, match="invalid cursor"):
        decode_cursor(token, binding="q", secret=SECRET)


def test_refuses_well_signed_nonsense() -> None:
    import base64
    import hashlib
    import hmac
    import json

    def forge(payload: object) -> str:
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        head = f"1.{body}"
        mac = hmac.new(SECRET, f"{head}\nq".encode(), hashlib.sha256).digest()[:16]
        return f"{head}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"

    assert decode_cursor(forge(["newest", 1, "x"]), binding="q", secret=SECRET) == Cursor("newest", 1, "x")
    good = decode_cursor(
        forge(["relevance", 1.0, "x", [5, [1, 2], [["text", 3.5]]]]), binding="q", secret=SECRET
    )
    assert good.stats == Stats(5, (1, 2), (("text", 3.5),))
    for payload in [
        ["relevance", 1.0, "x", [-1, [1], []]],
        ["relevance", 1.0, "x", [5, [1.5], []]],
        ["relevance", 1.0, "x", [5, [True], []]],
        ["relevance", 1.0, "x", [5, [1], [["text", 0]]]],
        ["relevance", 1.0, "x", [5, [1], [["b", 1.0], ["a", 1.0]]]],
        ["relevance", 1.0, "x", [5, [1]]],
        ["relevance", 1.0, "x", [5, [1], []], "more"],
        ["sideways", 1, "x"],
        ["newest", "1", "x"],
        ["newest", True, "x"],
        ["newest", 1, 2],
        {},
        [1],
    ]:
        with pytest.raises(QueryError, match="invalid cursor"):
            decode_cursor(forge(payload), binding="q", secret=SECRET)


def test_statistics_too_long_for_a_cursor_are_left_out() -> None:
    cursor = Cursor("relevance", 1.0, "x", Stats(10**9, tuple(range(10**6, 10**6 + 400)), (("text", 1.0),)))
    token = encode_cursor(cursor, binding="q", secret=SECRET)
    assert decode_cursor(token, binding="q", secret=SECRET) == Cursor("relevance", 1.0, "x")


def test_secret_is_created_once_and_read(tmp_path: Path) -> None:
    fallback = read_secret(tmp_path)
    assert len(fallback) == 32
    ensure_secret(tmp_path)
    first = read_secret(tmp_path)
    ensure_secret(tmp_path)
    assert read_secret(tmp_path) == first != fallback
