"""``deptnews demo``: the whole pipeline on the bundled demo sites, on loopback.

Starts the demo department sites on 127.0.0.1, writes a sources registry for them into the data home,
crawls, parses, indexes, prints example queries and serves the API (the demo sites keep running so
that links to the originals work).
"""

from __future__ import annotations

import shlex
import socket
import sys
from collections.abc import Mapping
from urllib.parse import urlencode

from deptnews import commands
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES
from deptnews.settings import Settings

DEMO_MARKER = "# deptnews demo sources: written by `deptnews demo`, rewritten on every demo run."
DEMO_PORTS = {site.id: 8101 + n for n, site in enumerate(SITES)}
EXAMPLE_QUERIES = ("hội nghị giao ban", "hoi nghi giao ban", "Lê Doãn Hợp", "le doan hop", '"chuyển đổi số"')


def demo_sources_toml(base_urls: Mapping[str, str]) -> str:
    """A registry for the demo sites at the given base URLs (politeness delay 0: they are ours)."""
    lines = [DEMO_MARKER, ""]
    for site in SITES:
        base = base_urls[site.id]
        lines += [
            "[[source]]",
            f'id = "demo-{site.id}"',
            f'name = "{site.name}"',
            f'department = "{site.department}"',
            f'jurisdiction = "{site.jurisdiction}"',
            f'jurisdiction_kind = "{site.jurisdiction_kind}"',
            f'homepage = "{base}/"',
            f'listings = ["{base}{site.listing_path}"]',
            f"article_pattern = '{site.article_pattern}'",
            "delay = 0.0",
            "",
        ]
    return "\n".join(lines)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_demo(settings: Settings, *, port: int, serve: bool) -> int:
    home = settings.data_home.ensure()
    target = settings.sources_file
    if target.exists() and not target.read_text(encoding="utf-8").startswith(DEMO_MARKER):
        print(f"error: {target} is not a demo registry; use another --home for the demo", file=sys.stderr)
        return commands.EXIT_CONFIG
    # Stable ports keep record ids (derived from URLs) stable across demo runs; fall back if taken.
    ports = {sid: (p if _free(p) else 0) for sid, p in DEMO_PORTS.items()}
    with DemoWeb(ports=ports) as web:
        target.write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        print(f"demo sites: {', '.join(web.base_urls.values())}")
        # Run in order; a crawl with failed pages still gets parsed and indexed, a refused one not.
        code = commands.crawl(settings, [])
        if code in (commands.EXIT_CONFIG, commands.EXIT_LOCKED):
            return code
        if commands.parse(settings, rebuild=False) == commands.EXIT_CONFIG:
            return commands.EXIT_CONFIG
        if (code := commands.index(settings, rebuild=False)) != commands.EXIT_OK:
            return code
        print(f"\ndata home: {home.root.resolve()}")
        print(f"\nAPI at http://127.0.0.1:{port}/ — try:")
        for query in EXAMPLE_QUERIES:
            print(f"  curl -s 'http://127.0.0.1:{port}/api/v1/search?{urlencode({'q': query})}'")
            print(f"  deptnews --home {shlex.quote(str(home.root))} search {shlex.quote(query)}")
        if not serve:
            return commands.EXIT_OK
        return commands.serve(settings, host="127.0.0.1", port=port)
