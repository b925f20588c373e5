"""The ``deptnews`` command line: argument parsing and dispatch to :mod:`deptnews.commands`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deptnews import commands
from deptnews.settings import Settings


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes. The main parser holds their defaults; each command's parser
    repeats them without defaults (``SUPPRESS``), so a value given after the command name is used and
    one given before it is not overwritten: ``deptnews --home X search q`` is
    ``deptnews search --home X q``."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--home",
        type=Path,
        default=default(None),
        help="data home (default ./deptnews-data or $DEPTNEWS_HOME)",
    )
    parser.add_argument(
        "--sources", type=Path, default=default(None), help="sources registry (default <home>/sources.toml)"
    )
    parser.add_argument(
        "--log-level", default=default("WARNING"), choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument(
        "--log-format",
        default=default("text"),
        choices=["text", "json"],
        help="log lines on stderr as text or as one JSON object per line (for log collectors)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deptnews",
        description="Archive government department news pages and search them. The options below go "
        "before or after COMMAND.",
        epilog="Exit codes: 0 ok, 1 some items failed (check: problems left), 2 bad configuration or usage, "
        "3 a crawl is running (check --repair: or the index is being written).",
    )
    _global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kwargs)

    p = command("crawl", help="fetch listings and articles of the sources into WARC files")
    p.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (repeatable)"
    )
    p.add_argument("--max-pages", type=int, metavar="N", help="listing pages followed per listing")
    p.add_argument("--delay", type=float, metavar="SECONDS", help="seconds between requests to one host")
    p.add_argument(
        "--max-articles", type=int, metavar="N", help="new articles per source and run (the rest wait)"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="status line on stderr (default: when stderr is a terminal and logs are text)",
    )

    p = command(
        "parse",
        help="parse WARC captures into JSON records",
        description="Parse the WARC files not parsed yet into records (--all: rebuild every record). "
        "--show URL prints what the parser makes of one page without writing anything.",
    )
    p.add_argument("--all", action="store_true", help="rebuild every record from the WARC files")
    p.add_argument("--show", metavar="URL", help="print the parse of URL's latest capture; write nothing")
    p.add_argument("--file", type=Path, metavar="PATH", help="with --show: parse this saved page instead")

    p = command("index", help="index the records for full-text search (incremental)")
    p.add_argument("--rebuild", action="store_true", help="build a fresh index and swap it in")
    p.add_argument(
        "--procs",
        type=int,
        metavar="N",
        help="writer processes for a full build or an incremental write (default: 2 from 1,000 records)",
    )
    p.add_argument(
        "--backend",
        choices=["whoosh", "postgresql"],
        help="index into this backend (default: DEPTNEWS_INDEX__BACKEND, else whoosh)",
    )
    p.add_argument("--dsn", metavar="URL", help="the PostgreSQL primary (default: DEPTNEWS_INDEX__DSN)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: when stderr is a terminal)",
    )

    p = command("serve", help="run the search API and web page")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")
    p.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="reverse proxies trusted to set X-Forwarded-For/-Proto: comma-separated addresses or "
        "networks, '*' for any, '' for none (default 127.0.0.1,::1; $DEPTNEWS_API__FORWARDED_ALLOW_IPS)",
    )

    p = command("search", help="search the index from the command line")
    p.add_argument("query", nargs="?", default="", help='e.g. "hoi nghi giao ban" or \'"Lê Doãn Hợp"\'')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--size", type=int, default=10, help="number of hits (1-100)")
    p.add_argument(
        "--sort", choices=["relevance", "newest", "oldest"], help="default: relevance with a query"
    )
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="e.g. source=lso-stttt, year=2024",
    )
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="published on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="published on or before")
    p.add_argument("--facets", default="", metavar="A,B", help="count matches per source, year, …")
    p.add_argument("--cursor", help="the next-page cursor printed by the previous page")
    p.add_argument("--all", action="store_true", help="print every match (JSON lines with --json)")
    p.add_argument(
        "--in",
        dest="scope",
        choices=["all", "page", "attachments"],
        default="all",
        help="where the words are looked for: the page's text and its attachments' (all, the default), "
        "the page's text only, or the attachments' text only (read by `deptnews extract`)",
    )

    p = command(
        "check",
        help="verify the data home (WARC files, records, ledger, index); --repair fixes what is safe",
        description="Verify the data home's invariants: WARC files intact, every record's capture in its "
        "WARC file, the ledger consistent, the index holding exactly the current records. Exit 0 when "
        "all hold, 1 when problems are left. --repair (under the crawl and index locks) completes files a "
        "killed crawl left open, re-derives missing records and a broken ledger from the WARC files and "
        "re-syncs the index; raw captures are never modified.",
    )
    p.add_argument("--repair", action="store_true", help="fix what can be fixed safely, then check again")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = command(
        "cdx",
        help="bring the CDXJ capture index (pywb/OutbackCDX format) up to date with the WARC files",
        description="Index the complete WARC files not indexed yet into <home>/cdx/ (one sorted .cdxj per "
        "WARC file) and merge them into <home>/cdx/index.cdxj, sorted, for pywb, OutbackCDX and the "
        "Memento API. Crawls keep it current; --rebuild indexes every WARC file again.",
    )
    p.add_argument("--rebuild", action="store_true", help="index every WARC file again")

    p = command(
        "extract",
        help="read the text of archived attachments (PDF, OCR of scans, DOCX, XLSX, DOC, XLS)",
        description="Read the text of every archived attachment the records link to that is not read "
        "yet: a PDF's text layer (poppler), scanned pages by OCR (Tesseract, Vietnamese), DOCX, XLSX, DOC "
        "and XLS (catdoc), legacy TCVN3/VNI text converted. Each file is read by a bounded worker process "
        "(DEPTNEWS_EXTRACT__SECONDS, __MEMORY_MB, __MAX_PAGES, …); a failure is recorded with its reason "
        "and retried by later runs; a killed run resumes. Then the records' attachments get their texts; "
        "run `deptnews index` afterwards to search them.",
    )
    p.add_argument("--workers", type=int, metavar="N", help="files read at once (default 1)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="status line on stderr (default: when stderr is a terminal and logs are text)",
    )

    command("schema", help="print the JSON Schema of a record")
    command("dump", help="write an open-data dump (Frictionless Data Package) of every record")

    p = command("demo", help="crawl the bundled demo sites on loopback, index them and serve")
    p.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    p.add_argument("--no-serve", action="store_true", help="stop after indexing")

    p = command("sources", help="inspect the sources registry, or add sites to it")
    p.add_argument(
        "action",
        choices=["list", "check", "add"],
        help="list: print sources; check: validate the file; add: configure sites from their address",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="add: homepages of the sites to add")
    p.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="add: a list of homepages (one a line, or CSV: url,department,jurisdiction[,id])",
    )
    p.add_argument("--id", dest="new_id", metavar="ID", help="add: the new source's id (one site only)")
    p.add_argument("--department", help="add: the department's name, when the site does not say it")
    p.add_argument("--jurisdiction", help="add: its province ('Tỉnh …'), when the site does not say it")
    p.add_argument("--yes", action="store_true", help="add: write without asking")
    p.add_argument("--dry-run", action="store_true", help="add: only print the proposals")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add: a progress line for several sites (default: when stderr is a terminal)",
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="check: also fetch each source's robots.txt, listings, feeds and sitemaps (network)",
    )
    p.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (repeatable)"
    )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.home is not None:
        overrides["home"] = args.home
    if args.sources is not None:
        overrides["sources"] = args.sources
    settings = Settings(**overrides)
    crawl_overrides: dict[str, Any] = {}
    if getattr(args, "max_pages", None) is not None:
        crawl_overrides["max_pages"] = args.max_pages
    if getattr(args, "delay", None) is not None:
        crawl_overrides["delay"] = args.delay
    if getattr(args, "max_articles", None) is not None:
        crawl_overrides["max_articles"] = args.max_articles
    if crawl_overrides:
        settings = settings.model_copy(
            update={
                "crawl": settings.crawl.model_validate({**settings.crawl.model_dump(), **crawl_overrides})
            }
        )
    if getattr(args, "forwarded_allow_ips", None) is not None:
        api = {**settings.api.model_dump(), "forwarded_allow_ips": args.forwarded_allow_ips}
        settings = settings.model_copy(update={"api": settings.api.model_validate(api)})
    return settings


_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class _JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _setup_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    # main() may run several times in one process (tests): replace our handler, keep others'.
    for old in [h for h in root.handlers if getattr(h, "_deptnews", False)]:
        root.removeHandler(old)
    handler._deptnews = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a writer killed by SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that goes away (``deptnews search --json | head``) ends it quietly."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python ignores SIGPIPE, so the write raises; the interpreter's final flush of stdout would raise
        # again and print a traceback, unless stdout now points somewhere that accepts the rest.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    # argparse gives a "*" positional only the words before the first option: URLs given after an option
    # ("sources add --yes URL") come back unknown and are taken here, anything else is an error.
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "sources" or args.action != "add" or any(e.startswith("-") for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.urls = [*args.urls, *extra]
    _setup_logging(args.log_level, args.log_format)
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return commands.EXIT_CONFIG
    match args.command:
        case "crawl":
            progress = False if args.log_format == "json" and args.progress is None else args.progress
            return commands.crawl(settings, args.source, progress=progress)
        case "parse":
            return commands.parse(settings, rebuild=args.all, show=args.show, file=args.file)
        case "index":
            if args.procs is not None and args.procs < 1:
                print("error: --procs must be at least 1", file=sys.stderr)
                return commands.EXIT_CONFIG
            return commands.index(
                settings,
                rebuild=args.rebuild,
                procs=args.procs,
                backend=args.backend,
                dsn=args.dsn,
                progress=args.progress,
            )
        case "serve":
            return commands.serve(
                settings,
                host=args.host or settings.api.host,
                port=args.port if args.port is not None else settings.api.port,
                workers=args.workers,
            )
        case "search":
            if not 1 <= args.size <= 100:
                print("error: --size must be between 1 and 100", file=sys.stderr)
                return commands.EXIT_CONFIG
            return commands.search(
                settings,
                args.query,
                as_json=args.json,
                size=args.size,
                sort=args.sort,
                filters=args.filter,
                date_from=args.date_from,
                date_to=args.date_to,
                facets=[f.strip() for f in args.facets.split(",") if f.strip()],
                cursor=args.cursor,
                every=args.all,
                scope=args.scope,
            )
        case "check":
            return commands.check(settings, repair=args.repair, as_json_output=args.json)
        case "extract":
            from deptnews.commands.extract import extract

            progress = False if args.log_format == "json" and args.progress is None else args.progress
            return extract(settings, progress=progress, workers=args.workers)
        case "cdx":
            from deptnews.commands.cdx import cdx

            return cdx(settings, rebuild=args.rebuild)
        case "schema":
            return commands.schema()
        case "dump":
            from deptnews.commands.dump import dump

            return dump(settings)
        case "demo":
            from deptnews.demo_run import run_demo

            return run_demo(settings, port=args.port, serve=not args.no_serve)
        case "sources":
            adding = ("urls", "from_file", "new_id", "department", "jurisdiction", "yes", "dry_run")
            if args.action != "add" and any(getattr(args, name) for name in adding):
                print("error: URLs and the add options go with 'sources add'", file=sys.stderr)
                return commands.EXIT_CONFIG
            if args.action == "add":
                from deptnews.commands.sources_add import sources_add

                return sources_add(
                    settings,
                    args.urls,
                    from_file=args.from_file,
                    source_id=args.new_id,
                    department=args.department,
                    jurisdiction=args.jurisdiction,
                    yes=args.yes,
                    dry_run=args.dry_run,
                    progress=args.progress,
                )
            if args.probe and args.action != "check":
                print("error: --probe goes with 'sources check'", file=sys.stderr)
                return commands.EXIT_CONFIG
            return commands.sources(
                settings, check=args.action == "check", probe=args.probe, source_ids=args.source
            )
    return commands.EXIT_CONFIG  # pragma: no cover - argparse rejects unknown commands
