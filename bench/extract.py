"""Article body extraction on real pages: the parser against trafilatura, page by page, in one run.

The corpus is the public article-extraction-benchmark (Scrapinghub, MIT): ``html/<id>.html.gz`` and
``ground-truth.json`` ({id: {url, articleBody}}), read from a path and never copied into the project.

The metric is the benchmark's own: lowercase, ``\\w+`` tokens, sets of 4-token shingles; per page
precision = |common| / |extracted| and recall = |common| / |truth|; a page where an extractor returns
nothing has recall 0 and is left out of precision; precision and recall are averaged over the pages and F1
is taken from the two averages. The parser's text is its lead (standfirst) and body paragraphs; a page it
classifies as not an article (a listing, an empty page) returns nothing.

Both extractors get the same bytes and URL; CPU time (``time.process_time``) is measured around each call.
trafilatura runs with its defaults (the balanced mode with its readability/jusText fallback) and
``include_comments=False``, the settings of the benchmark's own trafilatura runner.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/extract.py --corpus /work/shared/corpus/article-extraction-benchmark \\
        --out /tmp/extract.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CAPTURED = datetime(2030, 1, 1, tzinfo=UTC)  # after every page of the corpus
HEADERS = [("Content-Type", "text/html")]  # the corpus keeps no headers: the parser sniffs the charset
Extractor = Callable[[bytes, str], tuple[str, str | None]]  # (text, reason when nothing was extracted)


def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + size]) for i in range(max(len(tokens) - size + 1, 0))}


def score(extracted: str, truth: str) -> tuple[float | None, float]:
    """(precision, recall) of one page; precision is None when nothing was extracted."""
    got, want = shingles(extracted), shingles(truth)
    common = len(got & want)
    precision = common / len(got) if got else None
    recall = common / len(want) if want else (1.0 if not got else 0.0)
    return precision, recall


def ours() -> Extractor:
    from archive.parse.article import parse_capture
    from archive.parse.result import NotArticle
    from archive.sources import Source

    def run(body: bytes, url: str) -> tuple[str, str | None]:
        parts = urlsplit(url)
        home = f"{parts.scheme}://{parts.netloc}/"
        # Every page of the host is an article URL: the hardest case for the listing check, since every
        # internal link (menus, related posts) then counts as a teaser.
        source = Source(
            id="bench",
            name=parts.netloc,
            department=parts.netloc,
            jurisdiction="bench",
            homepage=home,
            listings=[home],
            article_pattern=".",
        )
        result = parse_capture(body, url, HEADERS, source, captured_at=CAPTURED)
        if isinstance(result, NotArticle):
            return "", result.reason
        content = result.content
        return "\n".join([*([content.lead] if content.lead else []), *content.body]), None

    return run


def trafilatura_extractor() -> Extractor:
    import trafilatura  # type: ignore[import-not-found, unused-ignore]

    def run(body: bytes, url: str) -> tuple[str, str | None]:
        text = trafilatura.extract(body, url=url, include_comments=False)
        return (text, None) if text else ("", "empty")

    return run


def evaluate(corpus: Path, extractors: dict[str, Extractor], limit: int | None) -> dict[str, Any]:
    truth: dict[str, dict[str, str]] = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit]
    pages: dict[str, dict[str, Any]] = {}
    wall = dict.fromkeys(extractors, 0.0)
    cpu = dict.fromkeys(extractors, 0.0)
    for page_id in ids:
        body = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        url, expected = truth[page_id]["url"], truth[page_id]["articleBody"]
        row: dict[str, Any] = {"url": url}
        for name, extract in extractors.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            text, reason = extract(body, url)
            cpu[name] += time.process_time() - cpu_started
            wall[name] += time.perf_counter() - started
            precision, recall = score(text, expected)
            both = (precision or 0.0) + recall
            f1 = 2 * (precision or 0.0) * recall / both if both else 0.0
            row[name] = {"p": precision, "r": recall, "f1": f1, "reason": reason, "chars": len(text)}
        pages[page_id] = row
    summary: dict[str, dict[str, float]] = {}
    for name in extractors:
        scored = [row[name] for row in pages.values()]
        precisions = [s["p"] for s in scored if s["p"] is not None]
        p = sum(precisions) / max(len(precisions), 1)
        r = sum(s["r"] for s in scored) / max(len(scored), 1)
        summary[name] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "pages_per_s": len(scored) / wall[name] if wall[name] else 0.0,
            "cpu_ms_per_page": 1000 * cpu[name] / max(len(scored), 1),
            "listing": sum(s["reason"] == "listing" for s in scored),
            "empty": sum(s["reason"] is not None and s["reason"] != "listing" for s in scored),
        }
    return {"pages": pages, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="the benchmark's directory")
    parser.add_argument("--out", type=Path, help="write the per-page scores to this JSON file")
    parser.add_argument("--limit", type=int, help="only the first N pages (by id)")
    args = parser.parse_args()
    extractors = {"parser": ours(), "trafilatura": trafilatura_extractor()}
    result = evaluate(args.corpus, extractors, args.limit)
    summary = result["summary"]
    print(f"corpus: {args.corpus.name}, {len(result['pages'])} pages")
    print(
        f"{'extractor':12} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8} {'CPU ms/page':>12} "
        f"{'listing':>8} {'empty':>6}"
    )
    for name, s in summary.items():
        print(
            f"{name:12} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['pages_per_s']:>8.1f} "
            f"{s['cpu_ms_per_page']:>12.1f} {s['listing']:>8} {s['empty']:>6}"
        )
    a, b = summary["parser"], summary["trafilatura"]
    cpu = a["cpu_ms_per_page"] / b["cpu_ms_per_page"]
    print(
        f"parser / trafilatura: F1 {a['f1'] / b['f1']:.3f}x, "
        f"pages/s {a['pages_per_s'] / b['pages_per_s']:.2f}x, CPU per page {cpu:.2f}x"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
