"""Shared fixtures: a scriptable HTTP server on 127.0.0.1 (port 0) for misbehaving-site tests, a
small set of sample records (the seed and two others) for index and API tests, and a real PostgreSQL
cluster (``pg_cluster``, ``pg_database``: see pgfixtures.py)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

# The PostgreSQL fixtures (a real primary with two streaming replicas), for every test of the suite.
from pgfixtures import pg_cluster, pg_database  # noqa: F401  (registered here by name)

from archive.home import DataHome
from archive.model import CaptureRef, Content, Record, Version, record_id
from archive.sources import Source
from archive.store import RecordStore
from archive.warc import Exchange, WarcWriter
from index.whoosh.store import IndexWriter

# Hypothesis profiles, for the property tests and the schemathesis tests alike (schemathesis 4 runs
# its cases as Hypothesis tests and takes these settings):
# - "ci": `python3 dev.py test` and CI (`CI` set). Derandomized: every run tries the same examples,
#   so a red run is the code's doing, never the draw's. A case that must always be tried is an
#   explicit @example, not luck.
# - "replay": the second pass of `python3 dev.py test`: the recorded example database
#   (tests/hypothesis-examples/) read-only, nothing generated. Hypothesis reads no database in a
#   derandomized run, hence a pass of its own. A recorded example is keyed to its test's source and
#   stops replaying when the test is edited: pin lasting cases with @example.
# - "fuzz": `python3 dev.py fuzz`. Random and many more examples, to find new failures; each is
#   printed with a reproduce blob and recorded in tests/hypothesis-examples/, so the next fuzz run and,
#   once committed, every CI run try it first. Pin it with @example before fixing it.
# A bare `pytest` uses Hypothesis' default profile (random, 100 examples).
EXAMPLES = Path(__file__).resolve().parent / "hypothesis-examples"
"""The recorded example database: failures ``dev.py fuzz`` found, committed; CI replays them read-only."""
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,  # which implies no example database: the recorded one is replayed by "replay"
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "replay",
    database=ReadOnlyDatabase(DirectoryBasedExampleDatabase(EXAMPLES)),
    phases=[Phase.reuse],  # the recorded examples only: nothing generated, nothing random, nothing written
    deadline=None,
    print_blob=True,
)
hypothesis_settings.register_profile(
    "fuzz",
    database=DirectoryBasedExampleDatabase(EXAMPLES),
    max_examples=2000,
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def max_examples(usual: int) -> int:
    """``usual`` examples for a test that pins its count, but the fuzz profile's count in a fuzz run
    (a count set on a test would otherwise override the profile's)."""
    if hypothesis_settings.get_current_profile_name() == "fuzz":
        return hypothesis_settings().max_examples
    return usual


Handler = Callable[[BaseHTTPRequestHandler], None]


class _LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (free port) in a daemon thread; ``url`` is its base URL."""

    httpd: ThreadingHTTPServer
    url: str

    def _start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ScriptedServer(_LoopbackServer):
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

        self._start(_Handler)


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
    n: int,
    title: str,
    body: list[str],
    *,
    published: datetime | None = None,
    lead: str | None = None,
    doc_numbers: list[str] | None = None,
    **kw: str,
) -> Record:
    """A valid record for ``http://demo.vn/tin-tuc/<n>``; ``kw``: author, category, source, department,
    jurisdiction."""
    url = f"http://demo.vn/tin-tuc/{n}"
    content = Content(
        title=title,
        lead=lead,
        body=body,
        published=published,
        author=kw.get("author"),
        category=kw.get("category"),
        doc_numbers=doc_numbers or [],
    )
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
        jurisdiction=kw.get("jurisdiction", "Tỉnh Demo"),
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


# -- a generated department news site, for crawler tests ---------------------------------------------


class SiteArticle:
    """One article of :class:`NewsSite` (mutable: tests edit and remove articles between crawls)."""

    def __init__(self, n: int, *, attachment: bool) -> None:
        self.n = n
        self.slug = f"tin-so-{n}-hoi-nghi-chuyen-doi-so"
        self.path = f"/tin-tuc/{self.slug}-{1000 + n}.html"
        self.title = f"Hội nghị chuyển đổi số lần thứ {n}"
        self.body = f"Sở Khoa học và Công nghệ tổ chức hội nghị lần thứ {n} về chuyển đổi số. " * 4
        self.version = 1
        self.status = 200
        self.attachment = f"/files/van-ban-{n}.pdf" if attachment else None
        self.modified = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)

    @property
    def etag(self) -> str:
        return f'"a{self.n}v{self.version}"'

    def edit(self) -> None:
        self.version += 1
        self.body += f" Cập nhật lần {self.version}."
        self.modified += timedelta(days=1)


class NewsSite(_LoopbackServer):
    """A department news site generated on 127.0.0.1: paged listing ``/tin-tuc?page=N`` (0-based,
    "Trang sau" link), slug-ID articles with ``rel=canonical``, PDF attachments, ``/rss.xml``, a sitemap
    index ``/sitemap.xml`` with a gzipped child, robots.txt, ETag/Last-Modified and 304s.

    ``delay`` slows every response (seconds); ``hits`` counts requests per path (query included);
    ``log`` keeps ``(monotonic time, path, headers)`` of each request.
    """

    ARTICLE_PATTERN = r"^/tin-tuc/[a-z0-9-]+-\d+\.html$"

    def __init__(self, articles: int = 25, *, page_size: int = 10, attachment_every: int = 5) -> None:
        self.page_size = page_size
        self.attachment_every = attachment_every
        self.articles: list[SiteArticle] = []
        self.add(articles)
        self.robots = "User-agent: *\nDisallow: /admin/\n"
        self.delay = 0.0
        self.attachment_size = 3000
        self.hits: dict[str, int] = {}
        self.log: list[tuple[float, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: avoid delayed-ACK stalls

            def do_GET(self) -> None:
                with site._lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                    site.log.append((time.monotonic(), self.path, dict(self.headers.items())))
                if site.delay:
                    time.sleep(site.delay)
                status, body, headers = site.respond(self.path, dict(self.headers.items()))
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    send(self, status, body, headers)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._start(_Handler)

    def add(self, count: int) -> list[SiteArticle]:
        """Publish ``count`` new articles (they go to the top of the listing)."""
        start = max((a.n for a in self.articles), default=0) + 1
        new = [SiteArticle(n, attachment=n % self.attachment_every == 0) for n in range(start, start + count)]
        self.articles[:0] = reversed(new)
        return new

    def article_urls(self) -> set[str]:
        return {self.url + a.path for a in self.articles}

    def source_toml(self, source_id: str = "fixture", **extra: object) -> str:
        """A registry with this site as one source (delay 0); ``extra`` keys are added as TOML values."""
        lines = [
            "[[source]]",
            f'id = "{source_id}"',
            'name = "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm"',
            'department = "Sở Khoa học và Công nghệ"',
            'jurisdiction = "Tỉnh Thử Nghiệm"',
            f'homepage = "{self.url}/"',
            f'listings = ["{self.url}/tin-tuc"]',
            f"article_pattern = '{self.ARTICLE_PATTERN}'",
            "delay = 0.0",
        ]
        lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
        return "\n".join(lines) + "\n"

    def respond(self, target: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(target)
        path = parts.path
        if path == "/robots.txt":
            return 200, self.robots.encode(), {"Content-Type": "text/plain"}
        if path == "/tin-tuc":
            raw = parse_qs(parts.query).get("page", ["0"])[0]
            return 200, self._listing(int(raw) if raw.isdigit() else 0), {}
        if path == "/rss.xml":
            return 200, self._rss(), {"Content-Type": "application/rss+xml"}
        if path == "/sitemap.xml":
            index = f"<sitemapindex><sitemap><loc>{self.url}/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"
            return 200, index.encode(), {"Content-Type": "application/xml"}
        if path == "/sitemap-1.xml.gz":
            urls = "".join(
                f"<url><loc>{self.url}{a.path}</loc><lastmod>{a.modified.isoformat()}</lastmod></url>"
                for a in self.articles
            )
            data = gzip.compress(f"<urlset>{urls}</urlset>".encode())
            return 200, data, {"Content-Type": "application/x-gzip"}
        if path.startswith("/files/") and path.endswith(".pdf"):
            return 200, b"%PDF-1.4\n" + b"0" * self.attachment_size, {"Content-Type": "application/pdf"}
        article = next((a for a in self.articles if a.path == path), None)
        if article is None:
            return 404, b"<html><body>Not found</body></html>", {}
        if article.status != 200:
            return article.status, b"<html><body>Gone</body></html>", {}
        validators = {"ETag": article.etag, "Last-Modified": format_datetime(article.modified, usegmt=True)}
        if headers.get("If-None-Match") == article.etag:
            return 304, b"", validators
        return 200, self._article(article), validators

    def _listing(self, page: int) -> bytes:
        items = self.articles[page * self.page_size : (page + 1) * self.page_size]
        # Every other link carries tracking parameters and a fragment: one article, one fetch.
        tracking = "?utm_source=home&utm_medium=list#top"
        links = "".join(
            f'<li><a href="{a.path}{tracking if i % 2 else ""}">{a.title}</a></li>'
            for i, a in enumerate(items)
        )
        newest = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in self.articles[:3])
        more = (page + 1) * self.page_size < len(self.articles)
        pager = f'<a class="next" href="/tin-tuc?page={page + 1}">Trang sau ›</a>' if more else ""
        html = (
            f"<html><head><title>Tin tức</title></head><body><ul>{links}</ul>"
            f'<aside><h3>Tin mới</h3><ul>{newest}</ul><a href="http://other.invalid/tin-tuc/x-1.html">x</a>'
            f'<a href="/admin/tin-tuc/y-2.html">admin</a></aside>{pager}</body></html>'
        )
        return html.encode()

    def _article(self, article: SiteArticle) -> bytes:
        files = f'<p><a href="{article.attachment}">Tải văn bản</a></p>' if article.attachment else ""
        canonical = f'<link rel="canonical" href="{self.url}{article.path}">'
        html = (
            f"<html><head><title>{article.title}</title>{canonical}</head>"
            f"<body><h1>{article.title}</h1><div class='content'><p>{article.body}</p>{files}</div>"
            "</body></html>"
        )
        return html.encode()

    def _rss(self) -> bytes:
        items = "".join(
            f"<item><title>{a.title}</title><link>{self.url}{a.path}?utm_source=rss</link>"
            f"<pubDate>{format_datetime(a.modified, usegmt=True)}</pubDate></item>"
            for a in self.articles[:10]
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    site = NewsSite()
    yield site
    site.close()


def sample_home(root: Path) -> DataHome:
    """A data home at ``root`` holding ``SAMPLE_RECORDS``, stored and indexed."""
    home = DataHome(root).ensure()
    store = RecordStore(home.records_dir)
    for record in SAMPLE_RECORDS:
        store.put(record)
    IndexWriter(home.index_dir).rebuild(store)
    return home


def captured_versions(
    home: DataHome, store: RecordStore, url: str, source: Source, versions: list[tuple[int, bytes, list[str]]]
) -> Record:
    """Capture ``url`` once per ``(day of January 2024, page, body)`` into a real WARC file of ``home``
    and apply each capture to ``store`` as a version titled "Tin thử"; returns the record."""
    record: Record | None = None
    with WarcWriter(home.warc_dir) as writer:
        for day, page, body in versions:
            ref = writer.write_exchange(
                Exchange(
                    url=url,
                    status=200,
                    reason="OK",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=page,
                    captured_at=datetime(2024, 1, day, tzinfo=UTC),
                )
            )
            record, _ = store.apply(
                canonical_url=url,
                content=Content(title="Tin thử", body=body),
                capture=ref,
                source=source,
                parser_version="test",
            )
    assert record is not None
    return record


def trickle_forever(h: BaseHTTPRequestHandler) -> None:
    """A byte every 20 ms of a body announced as 10,000 bytes (200 s): until the client hangs up."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "10000")
    h.end_headers()
    with contextlib.suppress(OSError):
        for _ in range(10_000):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.02)


def require_extraction_tools() -> None:
    """The attachment extraction tools' guard: in CI (``CI=true``) a missing tool fails the test naming
    the Debian package to install; elsewhere the test skips saying so."""
    from archive.documents.tools import TOOLS, missing_tools

    missing = missing_tools()
    if not missing:
        return
    packages = sorted({TOOLS.get(m, "tesseract-ocr-vie") for m in missing})
    message = f"extraction tools missing: {', '.join(missing)} (apt-get install {' '.join(packages)})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)
