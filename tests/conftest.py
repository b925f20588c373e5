"""Shared fixtures: a scriptable HTTP server on 127.0.0.1 (port 0) for misbehaving-site tests, and a
small set of sample records (the seed and two others) for index and API tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import settings as hypothesis_settings

from archive.model import CaptureRef, Content, Record, Version, record_id

# CI runs must be reproducible: the same examples every run (explore locally, pin in CI).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

Handler = Callable[[BaseHTTPRequestHandler], None]


class ScriptedServer:
    """Routes paths to handler functions; counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    merged = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))}
    merged.update(headers or {})
    for name, value in merged.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    yield srv
    srv.close()


ICT = timezone(timedelta(hours=7))


def make_record(
    n: int, title: str, body: list[str], *, published: datetime | None = None, **kw: str
) -> Record:
    url = f"http://demo.vn/tin-tuc/{n}"
    content = Content(title=title, body=body, published=published, author=kw.get("author"))
    capture = CaptureRef(
        url=url,
        captured_at=datetime(2024, 1, 1, tzinfo=UTC),
        status=200,
        warc_file="x.warc.gz",
        offset=0,
        length=1,
        warc_record_id=f"<urn:uuid:{n}>",
    )
    seen = capture.captured_at
    version = Version(
        n=1,
        content_hash=content.compute_hash(),
        content=content,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
    )
    return Record(
        **content.model_dump(),
        id=record_id(url),
        url=url,
        source=kw.get("source", "demo"),
        department=kw.get("department", "Sở Thông tin và Truyền thông"),
        jurisdiction="Tỉnh Demo",
        content_hash=version.content_hash,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
        versions=[version],
    )


SAMPLE_RECORDS = [
    make_record(
        1,
        "Hội nghị giao ban trực tuyến sơ kết 6 tháng đầu năm",
        ["Bộ trưởng Lê Doãn Hợp phát biểu kết luận Hội nghị giao ban.", "Thực hiện Quyết định 1234/QĐ-UBND."],
        published=datetime(2010, 7, 5, tzinfo=ICT),
        author="Hoàng Văn Đồng",
    ),
    make_record(
        2,
        "Tập huấn chuyển đổi số cho cán bộ xã",
        ["Lớp tập huấn về chuyển đổi số được tổ chức tại Hòa Bình. Ban tổ chức cho biết hội nghị tiếp theo."],
        published=datetime(2022, 1, 25, tzinfo=ICT),
        source="other",
        department="Sở Khoa học và Công nghệ",
    ),
    make_record(
        3,
        "Bàn giao thiết bị",
        ["Giao thiết bị cho ban quản lý dự án. Hội thảo về nghị quyết mới."],
        published=datetime(2015, 3, 2, tzinfo=ICT),
    ),
]
