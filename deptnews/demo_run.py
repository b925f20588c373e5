"""``deptnews demo``: the whole pipeline on the bundled demo sites, on loopback.

Starts the demo department sites on 127.0.0.1, writes a sources registry for them into the data home,
crawls, parses, indexes, prints example queries and serves the API (the demo sites keep running so
that links to the originals work).

Running it again is idempotent. Record ids come from URLs, so the sites must come back at the URLs of
the first run: their ports are read back from the demo registry, and a site still served by an earlier
demo there is used as it is. A port taken by anything else is an error, never a reason to move the
site (that would archive every page a second time under new URLs). Once the demo archive is complete
(``demo.json`` in the data home records what was crawled), a second run crawls nothing and says so;
one whose API port already answers as deptnews says where and exits 0.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from archive.sources import load_sources
from deptnews import commands
from deptnews.commands.extract import extract
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES, get_site
from deptnews.settings import Settings

DEMO_MARKER = "# deptnews demo sources: written by `deptnews demo`, rewritten on every demo run."
DEMO_PORTS = {site.id: 8101 + n for n, site in enumerate(SITES)}
DEMO_STATE = "demo.json"
EXAMPLE_QUERIES = ("hội nghị giao ban", "hoi nghi giao ban", "Lê Doãn Hợp", "le doan hop", '"chuyển đổi số"')
_PROBE_TIMEOUT = 2.0


class DemoRefused(Exception):
    """The demo cannot run as asked without duplicating the archive (the message says why)."""


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


def _get(url: str) -> httpx.Response | None:
    try:
        # Redirects followed: the Liferay-style demo home redirects to /web/<site>.
        return httpx.get(url, timeout=_PROBE_TIMEOUT, follow_redirects=True, trust_env=False)
    except httpx.HTTPError:
        return None


def _serves_demo_site(base: str, site_id: str) -> bool:
    """Whether ``base`` answers as the demo site ``site_id`` (an earlier demo still running)."""
    site = get_site(site_id)
    response = _get(f"{base}/")
    # Its home page names the department of its province, as the real portals do in their <title>.
    signature = f"{site.department} {site.jurisdiction}".casefold()
    return response is not None and response.status_code == 200 and signature in response.text.casefold()


def _serves_deptnews(port: int) -> bool:
    response = _get(f"http://127.0.0.1:{port}/openapi.json")
    if response is None or response.status_code != 200:
        return False
    try:
        return bool(response.json().get("info", {}).get("title") == "deptnews")
    except ValueError:
        return False


def registered_ports(registry: Path) -> dict[str, int]:
    """The demo sites' ports in an earlier demo registry (site id -> port)."""
    ports: dict[str, int] = {}
    for source in load_sources(registry).sources.values():
        site_id = source.id.removeprefix("demo-")
        port = urlsplit(str(source.homepage)).port
        if site_id in DEMO_PORTS and port is not None:
            ports[site_id] = port
    return ports


def _content_fingerprint(registry_text: str) -> str:
    """What a complete demo archive was crawled from: the registry and the bundled site content."""
    digest = hashlib.sha256(registry_text.encode("utf-8"))
    content = resources.files("deptnews.demo")
    for folder in ("content", "content/files", "templates"):
        for item in sorted(content.joinpath(folder).iterdir(), key=lambda f: f.name):
            if item.is_file():  # content/files/ is a folder of its own: the committed legacy files
                digest.update(item.name.encode("utf-8"))
                digest.update(item.read_bytes())
    return digest.hexdigest()


def _sites(registry: Path, site_ports: Mapping[str, int]) -> Iterator[tuple[str, str | None, int]]:
    """``(site id, base URL if already served, port to bind)`` for every demo site; raises
    :class:`DemoRefused` when a site's archived port is taken by something else."""
    known = registered_ports(registry) if registry.exists() else {}
    for site in SITES:
        port = known.get(site.id, site_ports.get(site.id, 0))
        base = f"http://127.0.0.1:{port}"
        if port and _serves_demo_site(base, site.id):
            yield site.id, base, port
        elif port and not _free(port):
            if site.id in known:
                raise DemoRefused(
                    f"port {port} of the demo site {site.id!r} is taken by another program; the demo "
                    f"archive in {registry.parent} holds its pages under that port (record ids come from "
                    "URLs): free the port or use another --home"
                )
            yield site.id, None, 0  # first run: any free port
        else:
            yield site.id, None, port


def run_demo(
    settings: Settings, *, port: int, serve: bool, site_ports: Mapping[str, int] = DEMO_PORTS
) -> int:
    """Build (or find built) the demo archive in the data home, then serve it on ``port``.

    ``site_ports``: where the demo sites go on a first run (0: any free port).
    """
    home = settings.data_home.ensure()
    target = settings.sources_file
    if target.exists() and not target.read_text(encoding="utf-8").startswith(DEMO_MARKER):
        print(f"error: {target} is not a demo registry; use another --home for the demo", file=sys.stderr)
        return commands.EXIT_CONFIG
    served_elsewhere = serve and _serves_deptnews(port)
    if serve and not served_elsewhere and not _free(port):
        print(f"error: port {port} is taken by another program; choose one with --port", file=sys.stderr)
        return commands.EXIT_CONFIG
    try:
        sites = list(_sites(target, site_ports))
    except DemoRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return commands.EXIT_CONFIG
    with ExitStack() as stack:
        base_urls = {sid: base for sid, base, _ in sites if base is not None}
        to_start = {sid: bind for sid, base, bind in sites if base is None}
        if to_start:
            web = stack.enter_context(DemoWeb(ports=to_start, sites=[get_site(s) for s in to_start]))
            base_urls |= web.base_urls
        print(f"demo sites: {', '.join(base_urls[s.id] for s in SITES)}")
        code = _build(settings, demo_sources_toml(base_urls))
        if code != commands.EXIT_OK:
            return code
        print(f"\ndata home: {home.root.resolve()}")
        print(f"\nAPI at http://127.0.0.1:{port}/ — try:")
        for query in EXAMPLE_QUERIES:
            print(f"  curl -s 'http://127.0.0.1:{port}/api/v1/search?{urlencode({'q': query})}'")
            print(f"  deptnews --home {shlex.quote(str(home.root))} search {shlex.quote(query)}")
        if not serve:
            return commands.EXIT_OK
        if served_elsewhere:
            print(
                f"\nthe API is already being served at http://127.0.0.1:{port}/ (an earlier demo): "
                "nothing to do"
            )
            return commands.EXIT_OK
        return commands.serve(settings, host="127.0.0.1", port=port)
    return commands.EXIT_OK  # pragma: no cover - the with block always returns


def _build(settings: Settings, registry_text: str) -> int:
    """Crawl, parse, extract the attachments' text and index the demo sites unless the archive already
    holds exactly this demo."""
    target = settings.sources_file
    state_file = settings.data_home.root / DEMO_STATE
    fingerprint = _content_fingerprint(registry_text)
    try:
        done = json.loads(state_file.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
    except (OSError, ValueError, AttributeError):
        done = False
    if done and target.read_text(encoding="utf-8") == registry_text:
        print(f"the demo archive in {settings.data_home.root} is complete: nothing to crawl")
        # The index is incremental: this only restores one that was deleted or built by another version.
        return commands.index(settings, rebuild=False)
    target.write_text(registry_text, encoding="utf-8")
    # Run in order; a crawl with failed pages still gets parsed and indexed, a refused one not.
    crawled = commands.crawl(settings, [])
    if crawled in (commands.EXIT_CONFIG, commands.EXIT_LOCKED):
        return crawled
    if commands.parse(settings, rebuild=False) == commands.EXIT_CONFIG:
        return commands.EXIT_CONFIG
    # The attachments' text (a failure, e.g. a missing OCR tool, is reported and leaves the rest searchable).
    extract(settings, progress=False)
    if (code := commands.index(settings, rebuild=False)) != commands.EXIT_OK:
        return code
    if crawled == commands.EXIT_OK:
        state_file.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
    return commands.EXIT_OK
