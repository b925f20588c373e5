"""The ``deptnews`` command line: argument parsing and dispatch to :mod:`deptnews.commands`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deptnews import commands
from deptnews.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deptnews",
        description="Archive government department news pages and search them.",
        epilog="Exit codes: 0 ok, 1 some items failed, 2 bad configuration or usage, 3 a crawl is running.",
    )
    parser.add_argument("--home", type=Path, help="data home (default ./deptnews-data or $DEPTNEWS_HOME)")
    parser.add_argument("--sources", type=Path, help="sources registry (default <home>/sources.toml)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("crawl", help="fetch listings and articles of the sources into WARC files")
    p.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (repeatable)"
    )
    p.add_argument("--max-pages", type=int, metavar="N", help="listing pages followed per listing")
    p.add_argument("--delay", type=float, metavar="SECONDS", help="seconds between requests to one host")

    p = sub.add_parser("parse", help="parse WARC captures into JSON records")
    p.add_argument("--all", action="store_true", help="rebuild every record from the WARC files")

    p = sub.add_parser("index", help="index the records for full-text search")
    p.add_argument("--rebuild", action="store_true", help="build a fresh index and swap it in")

    p = sub.add_parser("serve", help="run the search API and web page")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")

    p = sub.add_parser("search", help="search the index from the command line")
    p.add_argument("query", help='e.g. "hoi nghi giao ban" or \'"Lê Doãn Hợp"\'')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--size", type=int, default=10, help="number of hits (1-100)")

    sub.add_parser("schema", help="print the JSON Schema of a record")
    sub.add_parser("dump", help="write an open-data dump (Frictionless Data Package) of every record")

    p = sub.add_parser("demo", help="crawl the bundled demo sites on loopback, index them and serve")
    p.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    p.add_argument("--no-serve", action="store_true", help="stop after indexing")

    p = sub.add_parser("sources", help="inspect the sources registry")
    p.add_argument("action", choices=["list", "check"], help="list: print sources; check: validate the file")
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
    if crawl_overrides:
        settings = settings.model_copy(
            update={
                "crawl": settings.crawl.model_validate({**settings.crawl.model_dump(), **crawl_overrides})
            }
        )
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return commands.EXIT_CONFIG
    match args.command:
        case "crawl":
            return commands.crawl(settings, args.source)
        case "parse":
            return commands.parse(settings, rebuild=args.all)
        case "index":
            return commands.index(settings, rebuild=args.rebuild)
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
            return commands.search(settings, args.query, as_json=args.json, size=args.size)
        case "schema":
            return commands.schema()
        case "dump":
            from deptnews.commands.dump import dump

            return dump(settings)
        case "demo":
            from deptnews.demo_run import run_demo

            return run_demo(settings, port=args.port, serve=not args.no_serve)
        case "sources":
            return commands.sources(settings, check=args.action == "check")
    return commands.EXIT_CONFIG  # pragma: no cover - argparse rejects unknown commands
