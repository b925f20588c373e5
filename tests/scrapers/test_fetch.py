from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import ScriptedServer, send

from archive.warc import Exchange
from scrapers.errors import FetchError
from scrapers.fetch import decoded_body, fetch, make_client, retry_after_seconds
from scrapers.settings import CrawlSettings

FAST = CrawlSettings(backoff=0.01, retries=2, delay=0)


def _get(url: str, settings: CrawlSettings = FAST):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with make_client(settings) as client:
            return await fetch(client, url, settings)

    return asyncio.run(go())


def test_500_then_200_is_retried(server: ScriptedServer) -> None:
    calls = {"n": 0}

    def flaky(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        send(h, 500 if calls["n"] == 1 else 200, b"ok")

    server.routes["/a"] = flaky
    result = _get(server.url + "/a")
    assert result.status == 200
    assert result.final.body == b"ok"
    assert calls["n"] == 2


def test_429_retry_after_is_honoured(server: ScriptedServer) -> None:
    calls = {"n": 0}

    def limited(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            send(h, 429, b"slow down", {"Retry-After": "0"})
        else:
            send(h, 200, b"fine")

    server.routes["/r"] = limited
    assert _get(server.url + "/r").status == 200


def test_retry_after_too_long_returns_the_429(server: ScriptedServer) -> None:
    server.routes["/r"] = lambda h: send(h, 429, b"", {"Retry-After": "86400"})
    assert _get(server.url + "/r").status == 429
    assert server.hits["/r"] == 1


def test_redirect_chain_recorded_and_loop_refused(server: ScriptedServer) -> None:
    server.routes["/old"] = lambda h: send(h, 301, b"", {"Location": "/new"})
    server.routes["/new"] = lambda h: send(h, 200, b"here")
    result = _get(server.url + "/old")
    assert [e.status for e in result.exchanges] == [301, 200]
    assert result.final.url == server.url + "/new"
    server.routes["/loop"] = lambda h: send(h, 302, b"", {"Location": "/loop2"})
    server.routes["/loop2"] = lambda h: send(h, 302, b"", {"Location": "/loop"})
    with pytest.raises(FetchError, match="redirect loop"):
        _get(server.url + "/loop")


def test_body_limit(server: ScriptedServer) -> None:
    server.routes["/big"] = lambda h: send(h, 200, b"x" * 5000)
    with pytest.raises(FetchError, match="larger than"):
        _get(server.url + "/big", CrawlSettings(max_body=1000, retries=0))


def test_connection_refused_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="connection error"):
        _get("http://127.0.0.1:9/", CrawlSettings(retries=0))


def test_user_agent_sent(server: ScriptedServer) -> None:
    server.routes["/ua"] = lambda h: send(h, 200, b"")
    _get(server.url + "/ua")
    assert "deptnews" in server.requests[-1][1]["User-Agent"]


def test_retry_after_forms() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_decoded_body_limits_a_bomb() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    exchange = Exchange(
        url="http://x/", status=200, reason="OK", response_headers=[("Content-Encoding", "gzip")], body=bomb
    )
    assert len(decoded_body(exchange, 1000)) == 1000
    broken = Exchange(
        url="http://x/",
        status=200,
        reason="OK",
        response_headers=[("Content-Encoding", "gzip")],
        body=b"nope",
    )
    assert decoded_body(broken, 1000) == b""
