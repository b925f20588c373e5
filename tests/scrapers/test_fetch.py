from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import Handler, ScriptedServer, send, trickle_forever

from archive.warc import Exchange
from scrapers.errors import FetchError, TooLarge, UnwantedContent
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


# -- misbehaving servers -------------------------------------------------------------------------------


def _slow_body(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100")
    h.end_headers()
    h.wfile.write(b"x" * 10)
    h.wfile.flush()
    time.sleep(1.5)


def test_slow_body_hits_the_read_timeout(server: ScriptedServer) -> None:
    server.routes["/slow"] = _slow_body
    started = time.monotonic()
    with pytest.raises(FetchError, match="timeout"):
        _get(server.url + "/slow", CrawlSettings(read_timeout=0.2, retries=1, backoff=0.01))
    assert server.hits["/slow"] == 2  # retried once
    assert time.monotonic() - started < 1.4


def test_trickling_body_hits_the_total_timeout(server: ScriptedServer) -> None:
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(40):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.05)

    server.routes["/trickle"] = trickle
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"took longer than 0\.3 s"):
        _get(server.url + "/trickle", CrawlSettings(read_timeout=1, total_timeout=0.3, retries=0))
    assert time.monotonic() - started < 1.0


def test_trickling_server_is_given_up_when_the_url_budget_is_spent(server: ScriptedServer) -> None:
    """Attempts of up to ``total_timeout`` each, retried, all within ``url_budget``: the second attempt is
    cut by the budget and no third one starts (without a budget: four attempts of total_timeout each)."""
    server.routes["/trickle"] = trickle_forever
    settings = CrawlSettings(read_timeout=5, total_timeout=0.8, url_budget=1.2, retries=3, backoff=0.01)
    with pytest.raises(FetchError, match=r"url_budget 1\.2 s") as caught:
        _get(server.url + "/trickle", settings)
    assert caught.value.retryable
    assert server.hits["/trickle"] == 2


def test_no_retry_wait_past_the_url_budget(server: ScriptedServer) -> None:
    """A backoff or a Retry-After that would end past the budget is not waited: the fetch ends at once,
    a Retry-After with the 503 as its result, an error with the last error."""
    server.routes["/busy"] = lambda h: send(h, 503, b"busy", {"Retry-After": "30"})
    settings = CrawlSettings(url_budget=5, retries=3, backoff=0.01)
    assert _get(server.url + "/busy", settings).status == 503
    assert server.hits["/busy"] == 1
    server.routes["/down"] = lambda h: send(h, 500, b"down")
    slow_backoff = CrawlSettings(url_budget=5, retries=3, backoff=10)
    assert _get(server.url + "/down", slow_backoff).status == 500
    assert server.hits["/down"] == 1


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_waits_as_retry_after_says(server: ScriptedServer, form: str) -> None:
    calls = {"n": 0}

    def limited(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            later = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
            send(h, 429, b"", {"Retry-After": "1" if form == "seconds" else later})
        else:
            send(h, 200, b"fine")

    server.routes["/r"] = limited
    started = time.monotonic()
    assert _get(server.url + "/r").status == 200  # FAST: backoff 0.01 s, so the wait is Retry-After's
    assert time.monotonic() - started >= 0.9


def test_503_then_give_up_returns_the_last_answer(server: ScriptedServer) -> None:
    server.routes["/down"] = lambda h: send(h, 503, b"maintenance")
    result = _get(server.url + "/down", CrawlSettings(retries=2, backoff=0.01))
    assert result.status == 503
    assert server.hits["/down"] == 3


def test_redirect_loop_error_names_the_chain(server: ScriptedServer) -> None:
    server.routes["/a"] = lambda h: send(h, 302, b"", {"Location": "/b"})
    server.routes["/b"] = lambda h: send(h, 302, b"", {"Location": "/a"})
    with pytest.raises(FetchError) as info:
        _get(server.url + "/a")
    assert f"{server.url}/a → {server.url}/b → {server.url}/a" in str(info.value)
    assert not info.value.retryable


def test_redirect_limit(server: ScriptedServer) -> None:
    for n in range(5):
        server.routes[f"/r{n}"] = lambda h, n=n: send(h, 301, b"", {"Location": f"/r{n + 1}"})
    with pytest.raises(FetchError, match="more than 3 redirects"):
        _get(server.url + "/r0", CrawlSettings(max_redirects=3, retries=0))


def test_redirect_to_another_host_is_not_followed(server: ScriptedServer) -> None:
    server.routes["/moved"] = lambda h: send(h, 301, b"", {"Location": "https://skhcn.example.invalid/"})
    result = _get(server.url + "/moved")
    assert result.off_host == "https://skhcn.example.invalid/"
    assert result.status == 301


@contextlib.contextmanager
def _raw_server(reply: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection-at-a-time TCP server on loopback whose ``reply`` writes raw bytes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                reply(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        listener.close()


def _reset_mid_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + b"x" * 100)
    # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_connection_reset_mid_body() -> None:
    with _raw_server(_reset_mid_body) as url:
        started = time.monotonic()
        with pytest.raises(FetchError, match="connection error"):
            _get(url, CrawlSettings(retries=1, backoff=0.01, read_timeout=2))
        assert time.monotonic() - started < 1.5


def _broken_chunks(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz-not-hex\r\nworld\r\n0\r\n\r\n"
    )


def test_broken_chunked_encoding() -> None:
    with _raw_server(_broken_chunks) as url, pytest.raises(FetchError, match="connection error"):
        _get(url, CrawlSettings(retries=0, read_timeout=2))


def _stream_50mb(sent: list[int], *, announce: bool) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if announce:
            h.send_header("Content-Length", str(50 * 1024 * 1024))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        block = b"x" * 65536
        try:
            for _ in range(800):  # 50 MiB
                h.wfile.write(block if announce else b"%x\r\n%s\r\n" % (len(block), block))
                sent[0] += len(block)
        except OSError:
            return  # the client hung up: what we want

    return handler


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
def test_50mb_body_is_refused_without_reading_it(server: ScriptedServer, announce: bool) -> None:
    sent = [0]
    server.routes["/big"] = _stream_50mb(sent, announce=announce)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="larger than 1048576 bytes"):
            _get(server.url + "/big", CrawlSettings(max_body=1024 * 1024, retries=0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    time.sleep(0.2)
    assert sent[0] < 40 * 1024 * 1024  # the server could not push it all: we stopped reading


def test_unwanted_content_type_is_refused_before_the_body(server: ScriptedServer) -> None:
    server.routes["/img"] = lambda h: send(h, 200, b"\x89PNG" + b"0" * 100, {"Content-Type": "image/png"})

    async def go() -> None:
        async with make_client(FAST) as client:
            await fetch(client, server.url + "/img", FAST, accept=("text/html",))

    with pytest.raises(UnwantedContent) as info:
        asyncio.run(go())
    assert info.value.content_type == "image/png"
    assert not info.value.retryable


def test_gzip_bomb_raw_limit_and_decoding_cap(server: ScriptedServer) -> None:
    bomb = gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)  # 100 MiB inflated, ~100 KB raw
    headers = {"Content-Encoding": "gzip"}
    server.routes["/bomb"] = lambda h: send(h, 200, bomb, headers)
    with pytest.raises(TooLarge):  # the raw limit applies to the compressed bytes
        _get(server.url + "/bomb", CrawlSettings(max_body=50_000, retries=0))
    tracemalloc.start()
    try:
        result = _get(server.url + "/bomb", CrawlSettings(max_body=1024 * 1024, retries=0))
        body = decoded_body(result.final, 2 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(body) == 2 * 1024 * 1024
    assert peak < 12 * 1024 * 1024


def test_server_ip_is_recorded(server: ScriptedServer) -> None:
    server.routes["/ip"] = lambda h: send(h, 200, b"x")
    assert _get(server.url + "/ip").final.ip_address == "127.0.0.1"
