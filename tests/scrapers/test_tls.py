"""Broken certificate chains: refused by default with a hint, accepted per source with a warning."""

from __future__ import annotations

import asyncio
import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import send

from archive.sources import parse_sources
from archive.warc import WarcWriter
from scrapers.crawl import Crawler
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState

PAGES = {
    "/robots.txt": b"User-agent: *\nDisallow:\n",
    "/tin-tuc": b'<html><body><a href="/tin-tuc/hop-1.html">1</a></body></html>',
    "/tin-tuc/hop-1.html": b"<html><head><title>t</title></head><body><p>Bai</p></body></html>",
}


@pytest.fixture
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS site on loopback with a self-signed certificate (what a broken chain looks like to us)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = PAGES.get(self.path)
            send(self, 200 if body else 404, body or b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _crawl(home: Path, base: str, insecure: bool) -> SourceReport:
    toml = (
        f'[[source]]\nid = "tls"\nname = "Sở X"\ndepartment = "Sở X"\njurisdiction = "Tỉnh X"\n'
        f'homepage = "{base}/"\nlistings = ["{base}/tin-tuc"]\narticle_pattern = "-\\\\d+\\\\.html$"\n'
        f"delay = 0.0\ninsecure_tls = {'true' if insecure else 'false'}\n"
    )
    sources = list(parse_sources(toml).sources.values())
    settings = CrawlSettings(retries=0, connect_timeout=3, read_timeout=3)
    with CrawlState(home / "state.sqlite") as state, WarcWriter(home / "warc") as writer:
        return asyncio.run(Crawler(settings, state, writer).run(sources))["tls"]


def test_broken_certificate_is_refused_with_a_hint(tmp_path: Path, https_url: str) -> None:
    report = _crawl(tmp_path, https_url, insecure=False)
    assert report.new == 0
    assert report.failed == 1
    assert "TLS certificate not accepted" in report.errors[0]
    assert "insecure_tls = true" in report.errors[0]


def test_insecure_tls_source_is_crawled_with_a_warning(
    tmp_path: Path, https_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        report = _crawl(tmp_path, https_url, insecure=True)
    assert report.new == 1
    assert report.failed == 0
    assert any("TLS certificates are not verified" in r.getMessage() for r in caplog.records)
