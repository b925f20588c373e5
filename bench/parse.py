"""Parser throughput and memory: pages/s and peak RSS of ``parse_capture`` over a corpus of pages.

Pages: the saved pages of the quality gate (``tests/archive/pages``), and, with ``--corpus PATH`` (a text
file of Vietnamese news, one paragraph per line), article pages generated from that text in four CMS
layouts with realistic furniture (menus, sidebars of dated links, breadcrumbs, footers, inline scripts).

Each measurement runs in its own process so that its peak RSS is its own:

* baseline: ``BeautifulSoup(body, "lxml")`` of every page, the floor any bs4-based parser pays;
* parser: :func:`archive.parse.article.parse_capture` of every page.

Then pathological inputs (deep nesting, the most elements the parser accepts, a 50 MB page, a 4 MB page,
binary data) are parsed one by one, each in its own process, with their time and peak RSS.

    .venv/bin/python bench/parse.py --corpus /work/shared/corpus/binhvq-news-sample/demo-full.txt
    .venv/bin/python bench/parse.py --repeat 20            # the saved pages only
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "archive" / "pages"
sys.path.insert(0, str(ROOT))

Page = tuple[bytes, str, list[tuple[str, str]], dict[str, Any], str]  # body, url, headers, source, captured


def saved_pages() -> list[Page]:
    pages: list[Page] = []
    for path in sorted(PAGES.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        source = {"listings": [meta["source"]["homepage"]], **meta["source"]}
        headers = [(k, v) for k, v in meta["headers"]]
        pages.append(((PAGES / meta["body"]).read_bytes(), meta["url"], headers, source, meta["captured_at"]))
    return pages


SOURCE = {
    "id": "bench-stttt",
    "name": "Sở Thông tin và Truyền thông tỉnh Mẫu",
    "department": "Sở Thông tin và Truyền thông",
    "jurisdiction": "Tỉnh Mẫu",
    "homepage": "https://stttt.mau.gov.vn/",
    "listings": ["https://stttt.mau.gov.vn/tin-tuc"],
    "article_pattern": "^/tin-tuc/",
}
SCRIPT = "<script>" + "var cfg={a:1,b:[1,2,3],c:'x'};function f(n){return n*2}\n" * 400 + "</script>"


def _furniture(titles: list[str], rng: random.Random) -> tuple[str, str]:
    """A mega menu (40 sections of 4 entries), two sidebar boxes of dated links, banners and a footer of
    links: about 700 elements, the furniture of a provincial department's page."""
    entries = [escape(t[:30]) for t in titles]
    menu = "".join(
        f'<li class="menu-item"><a href="/muc/{i}">{entries[i % len(entries)]}</a><ul class="sub-menu">'
        + "".join(f'<li><a href="/muc/{i}/{j}">{entries[(i + j) % len(entries)]}</a></li>' for j in range(4))
        + "</ul></li>"
        for i in range(40)
    )
    boxes = "".join(
        f'<div class="box"><h3>{box}</h3><ul>'
        + "".join(
            f'<li><a href="/tin-tuc/tin-{rng.randrange(10**6)}">{escape(t)}</a> <span class="date">'
            f"({rng.randrange(1, 28):02d}/{rng.randrange(1, 12):02d}/2023)</span></li>"
            for t in titles[offset : offset + 15]
        )
        + "</ul></div>"
        for box, offset in (("Tin mới", 0), ("Tin đọc nhiều", 15))
    )
    banners = "".join(
        f'<a href="https://lienket-{i}.gov.vn"><img src="/banner/{i}.png" alt=""></a>' for i in range(10)
    )
    links = "".join(f'<a href="/lien-ket/{i}">{entries[i % len(entries)]}</a>' for i in range(30))
    sidebar = f'<div class="sidebar">{boxes}{banners}</div><div class="footer-links">{links}</div>'
    return f'<div id="menu"><ul class="menu">{menu}</ul></div>', sidebar


def generated_pages(corpus: Path, count: int) -> list[Page]:
    """Article pages built from the corpus text, cycling through four layouts."""
    lines = [line.strip() for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(7)
    pages: list[Page] = []
    for n in range(count):
        start = rng.randrange(0, max(1, len(lines) - 70))
        chunk = lines[start : start + 70]
        title, paragraphs = chunk[0], chunk[1 : 1 + rng.randrange(4, 12)]
        menu, side = _furniture(chunk[10:], rng)
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        date = f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 12):02d}/2023 {rng.randrange(7, 18):02d}:15"
        layout = n % 4
        if layout == 0:  # Drupal 7
            main = (
                f'<h1 id="page-title">{escape(title)}</h1><div class="node">'
                f'<span class="date-display-single">{date}</span>'
                f'<div class="field-name-body">{body}</div></div>'
            )
        elif layout == 1:  # Liferay asset publisher
            main = (
                f'<div class="asset-full-content"><h3 class="header-title">{escape(title)}</h3><span class="'
                f'metadata-publish-date">Ngày đăng: {date}</span><div class="asset-content"><div class="'
                f'journal-content-article">{body}</div></div></div>'
            )
        elif layout == 2:  # WordPress
            main = (
                f'<article class="post"><header class="entry-header"><h1 class="entry-title">{escape(title)}'
                f'</h1><time class="entry-date published">{date}</time></header><div class="entry-content">'
                f"{body}</div></article>"
            )
        else:  # unknown layout: the generic extractor
            main = (
                f"<table><tr><td><b>{escape(title)}</b><br><i>Cập nhật: {date}</i><div>{body}</div></td></tr>"
                "</table>"
            )
        html = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)} | Sở TT&amp;TT</title>"
            f"{SCRIPT}</head><body>{menu}<div class='breadcrumb'><a href='/'>Trang chủ</a> » "
            f"<a href='/tin-tuc'>Tin tức</a></div><div id='main'>{main}</div>{side}"
            "<div id='footer'>Sở Thông tin và Truyền thông</div></body></html>"
        )
        url = f"https://stttt.mau.gov.vn/tin-tuc/bai-{n}"
        headers = [("Content-Type", "text/html; charset=utf-8")]
        pages.append((html.encode(), url, headers, SOURCE, "2024-01-01T00:00:00+07:00"))
    return pages


def measure(mode: str, corpus: str | None, count: int, repeat: int) -> dict[str, float]:
    """Run in a child process: parse every page ``repeat`` times; report time, pages and peak RSS."""
    from bs4 import BeautifulSoup

    from archive.parse.article import parse_capture
    from archive.parse.result import Article
    from archive.sources import Source

    pages = generated_pages(Path(corpus), count) if corpus else saved_pages()
    sources = {id(p[3]): Source.model_validate(p[3]) for p in pages}
    articles = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for _ in range(repeat):
        for body, url, headers, source, captured in pages:
            if mode == "baseline":
                BeautifulSoup(body, "lxml")
            else:
                result = parse_capture(
                    body, url, headers, sources[id(source)], captured_at=datetime.fromisoformat(captured)
                )
                articles += isinstance(result, Article)
    elapsed = time.perf_counter() - started
    return {
        "pages": len(pages) * repeat,
        "articles": articles,
        "seconds": elapsed,
        "cpu": time.process_time() - cpu,
        "bytes": sum(len(p[0]) for p in pages) * repeat,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _pathological_cases() -> dict[str, Callable[[], bytes]]:
    """Each case builds its page only when called, so that a child process holds only its own."""
    para = ("<p>" + "Nội dung bài viết về chuyển đổi số của tỉnh. " * 20 + "</p>").encode()
    head = "<html><head><title>Tiêu đề bài viết</title></head><body>".encode()
    return {
        "nesting 10,000 deep": lambda: head + b"<div>" * 10_000 + para * 3 + b"</div>" * 10_000,
        "unclosed nesting, 59,000 elements": lambda: head + b"<div><span>x" * 29_500 + para,
        "50 MB page": lambda: head + para * (50 * 1024 * 1024 // len(para)),
        "4 MB of text in one block": lambda: head + b"<div>" + para * (4_000_000 // len(para)) + b"</div>",
        "binary labelled text/html (1 MB)": lambda: bytes(range(256)) * 4096,
    }


def pathological(name: str) -> dict[str, Any]:
    """Run in a child process: one parse of one pathological page; its time, outcome and peak RSS."""
    from archive.parse.article import parse_capture
    from archive.sources import Source

    source = Source.model_validate(SOURCE)
    body = _pathological_cases()[name]()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = parse_capture(
        body,
        "https://stttt.mau.gov.vn/tin-tuc/x",
        [("Content-Type", "text/html")],
        source,
        captured_at=datetime.now(UTC),
    )
    return {
        "bytes": len(body),
        "outcome": getattr(result, "reason", "article"),
        "seconds": time.perf_counter() - started,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": before,
    }


def _child(mode: str, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--repeat", str(args.repeat)]
    command += ["--pages", str(args.pages)]
    if args.corpus:
        command += ["--corpus", str(args.corpus)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="text file of Vietnamese news to generate pages from")
    parser.add_argument("--pages", type=int, default=400, help="pages generated from --corpus (default 400)")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the pages (default 5)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.child.startswith("pathological:"):
        print(json.dumps(pathological(args.child.split(":", 1)[1])))
        return
    if args.child:
        corpus = str(args.corpus) if args.corpus else None
        print(json.dumps(measure(args.child, corpus, args.pages, args.repeat)))
        return
    label = f"{args.pages} pages generated from {args.corpus.name}" if args.corpus else "the saved pages"
    print(f"corpus: {label}, {args.repeat} passes")
    print(f"{'run':28} {'pages':>7} {'pages/s':>9} {'CPU ms/page':>12} {'KiB/page':>9} {'peak RSS':>10}")
    results = {}
    for mode in ("baseline", "parser"):
        r = results[mode] = _child(mode, args)
        name = "baseline: BeautifulSoup(lxml)" if mode == "baseline" else "parser: parse_capture"
        print(
            f"{name:28} {r['pages']:>7.0f} {r['pages'] / r['seconds']:>9.1f} "
            f"{1000 * r['cpu'] / r['pages']:>12.2f} {r['bytes'] / r['pages'] / 1024:>9.1f} "
            f"{r['rss_mib']:>7.0f} MiB"
        )
    base, full = results["baseline"], results["parser"]
    print(
        f"parser / baseline time: {full['seconds'] / base['seconds']:.2f}x; "
        f"articles: {full['articles']:.0f} of {full['pages']:.0f} pages"
    )
    print("\npathological inputs (one parse each, in its own process; RSS: before the parse -> peak):")
    for name in _pathological_cases():
        r = _child(f"pathological:{name}", args)
        print(
            f"  {name:36} {r['bytes'] / 1e6:>7.2f} MB  {r['outcome']:>10}  {r['seconds'] * 1000:>7.0f} ms  "
            f"{r['rss_before_mib']:>5.0f} -> {r['rss_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
