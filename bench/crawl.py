"""Crawl benchmark: a generated department site of N article pages on loopback, politeness off.

    .venv/bin/python bench/crawl.py                      # 5,000 articles
    .venv/bin/python bench/crawl.py --pages 500          # a quick run
    .venv/bin/python bench/crawl.py --corpus /work/shared/corpus/binhvq-news-sample/demo-full.txt

The site (listings of 20 articles with a "Trang sau" link, slug-ID article pages with rel=canonical, a
robots.txt) runs in its own process, so the figures are the crawler's alone. Two runs over the same site:

* baseline: a bare httpx loop GETting the same URLs with the same concurrency (no robots, no WARC, no
  state, no link discovery) — what the network and the server allow;
* crawl: ``deptnews``' crawler (robots.txt, discovery, WARC 1.1 gzip records, SQLite state, attachments
  off since the site has none) into a fresh data home.

Printed: pages/s, CPU seconds per page (this process, user + system), peak RSS, WARC bytes, and the ratio
of the crawl's throughput to the baseline's. ``--corpus`` takes article text from a file, one paragraph
per line (e.g. real Vietnamese news text), instead of a generated sentence.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

PAGE_SIZE = 20
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.sources import parse_sources  # noqa: E402
from archive.warc import WarcWriter, warc_files  # noqa: E402
from scrapers.crawl import Crawler  # noqa: E402
from scrapers.settings import CrawlSettings  # noqa: E402
from scrapers.state import CrawlState  # noqa: E402

FALLBACK_TEXT = [
    "Sở Khoa học và Công nghệ tổ chức hội nghị giao ban trực tuyến sơ kết 6 tháng đầu năm về chuyển đổi số.",
    "Đồng chí Giám đốc Sở phát biểu chỉ đạo, yêu cầu các phòng chuyên môn triển khai nhiệm vụ trọng tâm.",
    "Hội nghị đã thảo luận các giải pháp nâng cao hiệu quả ứng dụng công nghệ thông tin trong cơ quan.",
]


def _paragraphs(corpus: Path | None) -> list[str]:
    if corpus is None:
        return FALLBACK_TEXT
    lines = [line.strip() for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines or FALLBACK_TEXT


def _serve(pages: int, paragraphs: list[str], port_queue: multiprocessing.Queue[int]) -> None:
    """The site, in a child process: generated pages, HTTP/1.1 keep-alive."""

    def article(n: int, base: str) -> bytes:
        text = "".join(f"<p>{paragraphs[(n + i) % len(paragraphs)]}</p>" for i in range(6))
        canonical = f'<link rel="canonical" href="{base}/tin-tuc/tin-so-{n}-{n}.html">'
        return (
            f"<html><head><title>Tin số {n}</title>{canonical}</head>"
            f"<body><h1>Tin số {n}</h1><div class='content'>{text}</div></body></html>"
        ).encode()

    def listing(page: int) -> bytes:
        first = page * PAGE_SIZE
        items = "".join(
            f'<li><a href="/tin-tuc/tin-so-{n}-{n}.html">Tin số {n}</a></li>'
            for n in range(first, min(first + PAGE_SIZE, pages))
        )
        more = first + PAGE_SIZE < pages
        pager = f'<a class="next" href="/tin-tuc?page={page + 1}">Trang sau</a>' if more else ""
        return f"<html><body><ul>{items}</ul>{pager}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            base = f"http://{self.headers.get('Host')}"
            content_type = "text/html; charset=utf-8"
            if parts.path == "/robots.txt":
                body, content_type = b"User-agent: *\nDisallow: /admin/\n", "text/plain"
            elif parts.path == "/tin-tuc":
                body = listing(int(parse_qs(parts.query).get("page", ["0"])[0]))
            elif parts.path.startswith("/tin-tuc/tin-so-"):
                body = article(int(parts.path.rsplit("-", 1)[1].removesuffix(".html")), base)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _baseline(base: str, pages: int, concurrency: int) -> int:
    urls = [f"{base}/tin-tuc?page={p}" for p in range(-(-pages // PAGE_SIZE))]
    urls += [f"{base}/tin-tuc/tin-so-{n}-{n}.html" for n in range(pages)]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                response = await client.get(queue.get_nowait())
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(urls)


def _crawl(base: str, pages: int, concurrency: int, home: Path) -> int:
    toml = (
        f'[[source]]\nid = "bench"\nname = "Sở KH&CN"\ndepartment = "Sở Khoa học và Công nghệ"\n'
        f'jurisdiction = "Tỉnh Thử"\nhomepage = "{base}/"\nlistings = ["{base}/tin-tuc"]\n'
        f"article_pattern = '^/tin-tuc/tin-so-\\d+-\\d+\\.html$'\nmax_pages = 10000\ndelay = 0.0\n"
        f"concurrency = {concurrency}\n"
    )
    sources = list(parse_sources(toml).sources.values())
    settings = CrawlSettings(delay=0, max_articles=None, stop_after_known_pages=1000)
    with CrawlState(home / "state.sqlite") as state, WarcWriter(home / "warc") as writer:
        report = asyncio.run(Crawler(settings, state, writer).run(sources))["bench"]
    if report.failed or report.new != pages:
        raise SystemExit(f"crawl incomplete: {report}")
    return report.fetched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="article pages on the site (default 5000)")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="requests in flight to the site (default 4)"
    )
    parser.add_argument("--corpus", type=Path, help="text file, one paragraph per line, for article bodies")
    args = parser.parse_args()
    paragraphs = _paragraphs(args.corpus)
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(args.pages, paragraphs, ports), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=10)}"
    try:
        cpu, wall = _cpu(), time.perf_counter()
        base_requests = asyncio.run(_baseline(base, args.pages, args.concurrency))
        base_wall, base_cpu = time.perf_counter() - wall, _cpu() - cpu
        with tempfile.TemporaryDirectory(prefix="deptnews-bench-") as tmp:
            home = Path(tmp)
            cpu, wall = _cpu(), time.perf_counter()
            fetched = _crawl(base, args.pages, args.concurrency, home)
            crawl_wall, crawl_cpu = time.perf_counter() - wall, _cpu() - cpu
            warc_bytes = sum(f.stat().st_size for f in warc_files(home / "warc"))
            state_bytes = sum(p.stat().st_size for p in home.glob("state.sqlite*"))
    finally:
        server.terminate()
        server.join()
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base_rate, crawl_rate = base_requests / base_wall, fetched / crawl_wall
    listings = -(-args.pages // PAGE_SIZE)
    print(f"site: {args.pages:,} articles + {listings:,} listing pages, concurrency {args.concurrency}")
    print(
        f"baseline (bare httpx GETs): {base_requests:,} pages in {base_wall:.1f} s"
        f" = {base_rate:,.0f} pages/s, {base_cpu / base_requests * 1000:.2f} ms CPU/page"
    )
    print(
        f"crawl (deptnews):           {fetched:,} pages in {crawl_wall:.1f} s"
        f" = {crawl_rate:,.0f} pages/s, {crawl_cpu / fetched * 1000:.2f} ms CPU/page"
    )
    print(
        f"crawl / baseline throughput: {crawl_rate / base_rate:.2f}; "
        f"CPU per page: {(crawl_cpu / fetched) / (base_cpu / base_requests):.1f}x the baseline's"
    )
    print(f"peak RSS of the process: {peak_rss_mib:,.0f} MiB")
    per_page = warc_bytes / fetched / 1024
    print(f"WARC: {warc_bytes / 1e6:,.1f} MB ({per_page:.1f} KiB/page); state: {state_bytes / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
