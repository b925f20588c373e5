"""A real data home for the web page tests, built once per test session.

The demo department sites are crawled, parsed and indexed by the CLI (as in the end-to-end test), then one
hostile record is added the way the crawler would store it: two WARC captures of a page full of script,
and a record whose title, body and attachment carry ``<script>``, ``<img onerror>`` and ``javascript:``.
Everything the hostile content would do if it ever ran hits the :class:`Watch` server on loopback (or
changes a title, logs to the console, posts a message or opens a dialog), so a test can prove it did not.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.home import DataHome
from archive.model import Attachment, Content, record_id
from archive.sources import load_sources
from archive.store import RecordStore
from archive.urls import canonicalize_url
from archive.warc import Exchange, WarcWriter
from deptnews.cli import main
from deptnews.demo.server import DemoWeb
from deptnews.demo_run import demo_sources_toml

SEED_PATH = (
    "/tin-tuc/bo-thong-tin-va-truyen-thong-to-chuc-hoi-nghi-giao-ban-truc-tuyen-so-ket-6-thang-dau-nam-2010"
)
HOSTILE_URL = "http://hostile.example.vn/tin-tuc/kiem-thu-bao-mat"
PWNED = "PWNED"


class Watch:
    """A loopback HTTP server that records every request path and serves the pages it is given."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.pages: dict[str, bytes] = {}
        self._lock = threading.Lock()
        watch = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                with watch._lock:
                    watch.hits.append(self.path)
                body = watch.pages.get(self.path.split("?")[0], b"")
                self.send_response(200 if body else 204)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def taken(self) -> list[str]:
        """The paths requested since the last call (and forget them)."""
        with self._lock:
            hits, self.hits = self.hits, []
        return hits

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def hostile_page(watch_url: str, version: int) -> bytes:
    """A captured page that tries everything a page can try, each attempt reporting to the watch."""
    w = watch_url
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Trang gốc {version}</title>
<meta http-equiv="refresh" content="1; url={w}/capture-refresh">
<script>document.title = "{PWNED}";</script>
<script>
  console.log("{PWNED} capture script");
  try {{ window.parent.document.title = "{PWNED} parent"; }} catch (e) {{}}
  try {{ window.top.postMessage("{PWNED} message", "*"); }} catch (e) {{}}
  try {{ fetch("{w}/capture-fetch"); }} catch (e) {{}}
  try {{ new Image().src = "{w}/capture-image-js"; }} catch (e) {{}}
  try {{ alert("{PWNED}"); }} catch (e) {{}}
  document.addEventListener("DOMContentLoaded", function () {{
    document.body.setAttribute("data-pwned", "1");
  }});
</script>
<script src="{w}/capture-external.js"></script>
<link rel="stylesheet" href="{w}/capture-style.css">
</head>
<body onload="fetch('{w}/capture-onload')">
<h1>Kiểm thử bảo mật, phiên bản {version}</h1>
<p>Nội dung trang gốc được lưu trữ.</p>
<img src="x-missing" onerror="fetch('{w}/capture-onerror')" alt="">
<img src="{w}/capture-image" alt="">
<iframe src="{w}/capture-iframe"></iframe>
<form action="{w}/capture-form" method="get">
<input name="a" value="1" autofocus onfocus="fetch('{w}/capture-focus')"></form>
</body></html>""".encode()


def hostile_content(watch_url: str, version: int) -> Content:
    w = watch_url
    return Content(
        title=(
            f"Kiểm thử bảo mật <script>fetch('{w}/title-script')</script> "
            f"<img src=x onerror=\"fetch('{w}/title-img')\">"
        ),
        lead=f"Tóm tắt <b onmouseover=\"fetch('{w}/lead')\">đậm</b>",
        body=[
            f"Đoạn một có mã <script>fetch('{w}/body-script');document.title='{PWNED}'</script> "
            "kiểm thử bảo mật.",
            f"Đoạn hai <img src=x onerror=\"fetch('{w}/body-img')\"> phiên bản {version}.",
        ],
        published=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        author="<i>Tác giả</i>",
        category="Thông báo",
        attachments=[
            Attachment(url=f"javascript:fetch('{w}/attachment-js')", title="Tệp <b>độc</b>", type="pdf"),
            Attachment(url="https://hostile.example.vn/files/quyet-dinh.pdf", title="Quyết định", type="pdf"),
        ],
    )


@dataclass
class WebArchive:
    home: DataHome
    seed_id: str
    hostile_id: str
    watch: Watch


def _hostile_source_toml(watch_url: str) -> str:
    return "\n".join(
        [
            "",
            "[[source]]",
            'id = "hostile"',
            'name = "Sở <em>Kiểm thử</em>"',
            'department = "Sở Kiểm thử"',
            'jurisdiction = "Tỉnh Kiểm thử"',
            'homepage = "http://hostile.example.vn/"',
            'listings = ["http://hostile.example.vn/tin-tuc"]',
            "article_pattern = '^/tin-tuc/'",
            "enabled = false",
            f'notes = "Bản ghi kiểm thử; báo về {watch_url}"',
            "",
        ]
    )


def build_web_archive(root: Path, watch: Watch) -> WebArchive:
    """Crawl the demo sites into ``root`` and add the hostile record (two versions)."""
    home = DataHome(root)
    args = ["--home", str(root)]
    with DemoWeb() as web:
        root.mkdir(parents=True)
        home.sources_file.write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        assert main([*args, "crawl"]) == 0
        assert main([*args, "parse"]) == 0
        seed_id = record_id(canonicalize_url(web.base_urls["stttt"] + SEED_PATH))
    with home.sources_file.open("a", encoding="utf-8") as fh:
        fh.write(_hostile_source_toml(watch.url))
    source = load_sources(home.sources_file).get("hostile")
    store = RecordStore(home.records_dir)
    with WarcWriter(home.warc_dir) as writer:
        for version in (1, 2):
            ref = writer.write_exchange(
                Exchange(
                    url=HOSTILE_URL,
                    status=200,
                    reason="OK",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=hostile_page(watch.url, version),
                    captured_at=datetime(2024, 5, version, 3, 0, tzinfo=UTC),
                )
            )
            record, _ = store.apply(
                canonical_url=HOSTILE_URL,
                content=hostile_content(watch.url, version),
                capture=ref,
                source=source,
                parser_version="web-test",
            )
    assert main([*args, "index"]) == 0
    return WebArchive(home=home, seed_id=seed_id, hostile_id=record.id, watch=watch)


_shared: WebArchive | None = None


def shared_web_archive(factory: pytest.TempPathFactory) -> WebArchive:
    """The session's archive, built on first use (the page tests and the browser tests share it)."""
    global _shared
    if _shared is None:
        watch = Watch()
        atexit.register(watch.close)
        _shared = build_web_archive(factory.mktemp("web") / "data", watch)
    return _shared
