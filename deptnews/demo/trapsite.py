"""A hostile department news site on 127.0.0.1: the crawl traps a crawler must get out of by its budgets.

Usage (tests, benchmarks)::

    with TrapSite() as site:
        registry = site.source_toml()             # one source with every trap as a listing
        ...crawl...
        site.hits["/tin-tuc?page=3"]              # requests per path, session ids stripped
        site.real_article_urls()                  # what must end up archived

What it serves (every link on every page carries a session id that changes with each page view, as
``;jsessionid=…`` in article paths and ``PHPSESSID=…`` in queries; the crawler must see through them):

* ``/tin-tuc?page=N`` — a paged listing of ``real_pages`` pages of real articles that never ends: past
  the last real page every page repeats the last page's articles and still has a "Trang sau" link;
* ``/lich?month=YYYY-MM`` — a month calendar with a ``rel=next`` link to the next month, forever; the
  first ``event_months`` months list real events;
* ``/su-kien?date=YYYY-MM-DD`` — a day calendar with a "›" link to the next day, forever; the first
  ``event_days`` days list real events;
* ``/lien-ket`` — one listing page of ``farm_links`` (100,000) article links, about 5 MB; the farm's
  articles answer (small pages) but are not part of the real site;
* ``/tin-tuc/phu-luc-van-ban-9000.html`` — a real article (first on the listing) linking ``heavy_attachments``
  (1,000) PDFs;
* every ``attachment_every``-th real article links its own PDF, and every ``shared_every``-th one also
  ``/files/van-ban-chung.pdf``, so one attachment is linked from several articles;
* ``/files/…`` — the PDFs, each answered after ``file_delay`` seconds; with ``files_base`` (another
  site's base URL) articles link their files there instead, so two sites can share a file host;
* ``/robots.txt`` — small, or with ``big_robots`` larger than 2 MiB: its rules in the first bytes, then
  comment lines, then a ``Disallow: /tin-tuc/`` past 512 KiB that a crawler reading only the first
  512 KiB (RFC 9309 §2.5) never sees.

The server is a standard-library ``ThreadingHTTPServer`` in a daemon thread (as :mod:`deptnews.demo.server`).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

ARTICLE_PATTERN = r"^/tin-tuc/[a-z0-9-]+-\d+\.html$"
HEAVY_ARTICLE = "/tin-tuc/phu-luc-van-ban-9000.html"
SHARED_ATTACHMENT = "/files/van-ban-chung.pdf"
FIRST_MONTH = "2024-01"
FIRST_DAY = "2024-05-01"
_PDF = b"%PDF-1.4\n" + b"0" * 600 + b"\n%%EOF\n"


def strip_session(target: str) -> str:
    """``target`` (path + query) without its session ids: ``;jsessionid=…`` and ``PHPSESSID=…``."""
    parts = urlsplit(target)
    path = parts.path.split(";", 1)[0]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "PHPSESSID"]
    return path + (f"?{urlencode(query)}" if query else "")


class TrapSite:
    """The hostile site; a context manager that serves it on a free port (``url``: its base URL)."""

    def __init__(
        self,
        *,
        real_pages: int = 3,
        page_size: int = 10,
        event_months: int = 2,
        event_days: int = 3,
        farm_links: int = 100_000,
        heavy_attachments: int = 1000,
        attachment_every: int = 5,
        shared_every: int = 3,
        big_robots: bool = False,
        files_base: str = "",
        file_delay: float = 0.0,
    ) -> None:
        self.real_pages = real_pages
        self.page_size = page_size
        self.event_months = event_months
        self.event_days = event_days
        self.farm_links = farm_links
        self.heavy_attachments = heavy_attachments
        self.attachment_every = attachment_every
        self.shared_every = shared_every
        self.big_robots = big_robots
        self.files_base = files_base
        self.file_delay = file_delay
        self.hits: Counter[str] = Counter()
        """Requests per path + query, session ids stripped."""
        self.raw_targets: list[str] = []
        """Every request target as received (session ids included), in arrival order."""
        self._lock = threading.Lock()
        self._farm_page: bytes | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- what the site holds ------------------------------------------------------------------------------

    def listing_articles(self) -> list[str]:
        """Paths of the real articles of the paged listing, newest (page 0) first."""
        count = self.real_pages * self.page_size - 1  # the heavy article heads page 0
        return [HEAVY_ARTICLE] + [
            f"/tin-tuc/tin-so-{n}-hoi-nghi-{1000 + n}.html" for n in range(1, count + 1)
        ]

    def event_articles(self) -> list[str]:
        """Paths of the real events of both calendars."""
        months = [f"/tin-tuc/su-kien-thang-{m}-{2000 + m}.html" for m in range(1, self.event_months + 1)]
        days = [f"/tin-tuc/lich-ngay-{d}-{3000 + d}.html" for d in range(1, self.event_days + 1)]
        return months + days

    def real_articles(self) -> list[str]:
        return self.listing_articles() + self.event_articles()

    def real_article_urls(self) -> set[str]:
        return {self.url + path for path in self.real_articles()}

    def real_attachments(self) -> set[str]:
        """Paths of the attachments real articles other than the heavy one link to."""
        found: set[str] = set()
        for path in self.real_articles():
            found.update(self._attachments_of(path))
        return found - set(self._heavy_attachments())

    def farm_article(self, i: int) -> str:
        return f"/tin-tuc/lien-ket-{i}-{100_000 + i}.html"

    def listings(self) -> list[str]:
        """Every trap listing's first page (absolute URLs), the link farm last."""
        return [
            f"{self.url}/tin-tuc",
            f"{self.url}/lich?month={FIRST_MONTH}",
            f"{self.url}/su-kien?date={FIRST_DAY}",
            f"{self.url}/lien-ket",
        ]

    def source_toml(self, source_id: str = "trap", listings: list[str] | None = None, **extra: object) -> str:
        """A registry with this site as one source (delay 0); ``extra`` keys are added as TOML values."""
        values: dict[str, object] = {
            "id": source_id,
            "name": "Sở Bẫy tỉnh Thử Nghiệm",
            "department": "Sở Khoa học và Công nghệ",
            "jurisdiction": "Tỉnh Thử Nghiệm",
            "homepage": f"{self.url}/",
            "listings": self.listings() if listings is None else listings,
            "article_pattern": ARTICLE_PATTERN,
            "delay": 0.0,
            **extra,
        }
        # JSON strings, numbers, booleans and arrays of strings are valid TOML values.
        return "[[source]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())

    # -- serving --------------------------------------------------------------------------------------

    def start(self) -> None:
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            timeout = 15  # idle keep-alive connections must not keep handler threads forever

            def do_GET(self) -> None:
                with site._lock:
                    site.raw_targets.append(self.path)
                    site.hits[strip_session(self.path)] += 1
                status, body, kind = site.respond(self.path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Silence the default per-request stderr logging."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="trap-site", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._httpd.server_close()
        self._httpd = self._thread = None

    def __enter__(self) -> TrapSite:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def respond(self, target: str) -> tuple[int, bytes, str]:
        """Status, body and content type for a request target (path + query as received)."""
        parts = urlsplit(target)
        path = parts.path.split(";", 1)[0]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, self._robots(), "text/plain"
        if path == "/tin-tuc":
            raw = query.get("page", "0")
            return 200, self._listing(int(raw) if raw.isdigit() else 0), html
        if path == "/lich":
            return 200, self._month(query.get("month", FIRST_MONTH)), html
        if path == "/su-kien":
            return 200, self._day(query.get("date", FIRST_DAY)), html
        if path == "/lien-ket":
            return 200, self._farm(), html
        if path.startswith("/files/") and path.endswith(".pdf"):
            if self.file_delay:
                time.sleep(self.file_delay)  # a slow file server: several requests may be in flight
            return 200, _PDF, "application/pdf"
        if path.startswith("/tin-tuc/") and path.endswith(".html"):
            return 200, self._article(path), html
        return 404, b"<html><body>Not found</body></html>", html

    # -- pages ----------------------------------------------------------------------------------------

    def _robots(self) -> bytes:
        rules = b"User-agent: *\nDisallow: /admin/\n"
        if not self.big_robots:
            return rules
        padding = b"# " + b"x" * 78 + b"\n"  # 81 bytes a line, 2.5 MiB of them
        return (
            rules + padding * (5 * 1024 * 1024 // 2 // len(padding)) + b"User-agent: *\nDisallow: /tin-tuc/\n"
        )

    @staticmethod
    def _session() -> str:
        return uuid.uuid4().hex[:20].upper()

    def _link(self, path: str, text: str, session: str, attrs: str = "") -> str:
        # Articles and files get a Java path parameter, pages a PHP query parameter: both change per view.
        if path.startswith("/files/"):
            href = f"{self.files_base}{path};jsessionid={session}"
        elif path.startswith("/tin-tuc/"):
            href = f"{path};jsessionid={session}"
        else:
            href = f"{path}{'&' if '?' in path else '?'}PHPSESSID={session}"
        return f'<a href="{href}"{attrs}>{text}</a>'

    def _page(self, title: str, items: list[str], next_link: str) -> bytes:
        session = self._session()
        links = "".join(f"<li>{self._link(p, p.rsplit('/', 1)[-1], session)}</li>" for p in items)
        html = (
            f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1><ul>{links}</ul>"
            f"<div class='pager'>{next_link}</div></body></html>"
        )
        return html.encode()

    def _listing(self, page: int) -> bytes:
        articles = self.listing_articles()
        shown = min(page, self.real_pages - 1)  # past the end: the last page again, forever
        items = articles[shown * self.page_size : (shown + 1) * self.page_size]
        more = self._link(f"/tin-tuc?page={page + 1}", "Trang sau ›", self._session(), ' class="next"')
        return self._page(f"Tin tức — trang {page + 1}", items, more)

    def _month(self, month: str) -> bytes:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            first = date.fromisoformat(f"{FIRST_MONTH}-01")
        start = date.fromisoformat(f"{FIRST_MONTH}-01")
        index = (first.year - start.year) * 12 + first.month - start.month + 1
        items = (
            [f"/tin-tuc/su-kien-thang-{index}-{2000 + index}.html"] if 1 <= index <= self.event_months else []
        )
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        more = self._link(f"/lich?month={following:%Y-%m}", "Tháng sau", self._session(), ' rel="next"')
        return self._page(f"Lịch tháng {first:%m/%Y}", items, more)

    def _day(self, day: str) -> bytes:
        try:
            current = date.fromisoformat(day)
        except ValueError:
            current = date.fromisoformat(FIRST_DAY)
        index = (current - date.fromisoformat(FIRST_DAY)).days + 1
        items = [f"/tin-tuc/lich-ngay-{index}-{3000 + index}.html"] if 1 <= index <= self.event_days else []
        following = current + timedelta(days=1)
        more = self._link(f"/su-kien?date={following.isoformat()}", "›", self._session())
        return self._page(f"Sự kiện ngày {current:%d/%m/%Y}", items, more)

    def _farm(self) -> bytes:
        # Built once (about 5 MB): the test is the crawler's reading of it, not the server's writing.
        if self._farm_page is None:
            links = "".join(f'<a href="{self.farm_article(i)}">{i}</a>\n' for i in range(self.farm_links))
            self._farm_page = f"<html><body><h1>Liên kết</h1>{links}</body></html>".encode()
        return self._farm_page

    def _heavy_attachments(self) -> list[str]:
        return [f"/files/phu-luc-{i}.pdf" for i in range(1, self.heavy_attachments + 1)]

    def _attachments_of(self, path: str) -> list[str]:
        if path == HEAVY_ARTICLE:
            return self._heavy_attachments()
        if not path.startswith("/tin-tuc/tin-so-"):
            return []
        n = int(path.rsplit("-", 1)[-1].removesuffix(".html")) - 1000
        files = [f"/files/van-ban-{n}.pdf"] if n % self.attachment_every == 0 else []
        return files + ([SHARED_ATTACHMENT] if n % self.shared_every == 0 else [])

    def _article(self, path: str) -> bytes:
        session = self._session()
        title = path.rsplit("/", 1)[-1].removesuffix(".html").replace("-", " ").capitalize()
        files = "".join(f"<li>{self._link(f, 'Tải về', session)}</li>" for f in self._attachments_of(path))
        html = (
            f'<html><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{self.url}{path}"></head>'
            f"<body><h1>{title}</h1><div class='content'><p>Sở Khoa học và Công nghệ thông báo: {title}.</p>"
            f"<ul>{files}</ul></div></body></html>"
        )
        return html.encode()
