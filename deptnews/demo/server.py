"""Serve the demo department websites over HTTP on localhost, one port per site.

Usage in tests::

    with DemoWeb() as web:                       # every site on a free port
        url = web.base_urls["stttt"] + "/tin-tuc"

Each site runs a standard-library ``ThreadingHTTPServer`` in a daemon thread.  Responses
carry ``ETag`` (every 200) and ``Last-Modified`` (articles, files) and honour
``If-None-Match`` / ``If-Modified-Since`` with 304, as RFC 9110 prescribes: when
``If-None-Match`` is present ``If-Modified-Since`` is ignored.  Every request is recorded
(``DemoWeb.requests``) so crawler tests can assert politeness, e.g. robots.txt compliance.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from deptnews.demo.drupal import DrupalApp
from deptnews.demo.liferay import LiferayApp
from deptnews.demo.render import Response, SiteApp
from deptnews.demo.sites import SITES, DemoSite


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request a demo site received (``target`` is the raw path + query)."""

    site_id: str
    method: str
    target: str
    status: int
    user_agent: str | None
    if_none_match: str | None
    if_modified_since: str | None


def make_app(site: DemoSite) -> SiteApp:
    """The application serving ``site``, chosen by its CMS style."""
    return DrupalApp(site) if site.cms == "drupal" else LiferayApp(site)


def not_modified(response: Response, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether a GET/HEAD with these validators may be answered with 304 Not Modified."""
    if response.status != 200:
        return False
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        # Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return response.etag in tags
    if if_modified_since is None or response.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an invalid date must be ignored, not treated as "modified"
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return response.last_modified.replace(microsecond=0) <= since


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SiteApp, web: DemoWeb) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.web = web
        self.own_host = f"{address[0]}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    # Idle keep-alive connections must not keep handler threads alive forever.
    timeout = 15

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr logging."""

    def _serve(self, *, send_body: bool) -> None:
        server = cast(_SiteServer, self.server)
        # Absolute links (canonical, og:url) use the name the client used to reach us.
        host = self.headers.get("Host") or server.own_host
        response = server.app.handle(self.path, f"http://{host}")
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        status = 304 if not_modified(response, inm, ims) else response.status
        server.web.record(
            RecordedRequest(
                server.app.site.id,
                self.command,
                self.path,
                status,
                self.headers.get("User-Agent"),
                inm,
                ims,
            )
        )
        self.send_response(status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status == 200:
            self.send_header("ETag", response.etag)
            if response.last_modified is not None:
                stamp = response.last_modified.astimezone(UTC)
                self.send_header("Last-Modified", format_datetime(stamp, usegmt=True))
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)


class DemoWeb:
    """All demo sites served on ``host``; a context manager that starts and stops them.

    ``ports`` maps site ids to ports; missing sites (and port 0) get a free port.  Unknown
    site ids raise ``ValueError``.
    """

    def __init__(
        self,
        ports: Mapping[str, int] | None = None,
        host: str = "127.0.0.1",
        sites: Sequence[DemoSite] = SITES,
    ) -> None:
        known = {site.id for site in sites}
        unknown = set(ports or {}) - known
        if unknown:
            raise ValueError(f"unknown demo site ids: {sorted(unknown)}")
        self.host = host
        self.sites = tuple(sites)
        self._ports = dict(ports or {})
        self._servers: dict[str, _SiteServer] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    def start(self) -> None:
        """Bind every site and start serving; on failure nothing is left running."""
        if self._servers:
            raise RuntimeError("DemoWeb already started")
        try:
            for site in self.sites:
                address = (self.host, self._ports.get(site.id, 0))
                self._servers[site.id] = _SiteServer(address, make_app(site), self)
        except BaseException:
            self.stop()
            raise
        for site_id, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{site_id}", daemon=True)
            thread.start()
            self._threads[site_id] = thread

    def stop(self) -> None:
        """Stop serving and close the listening sockets (idempotent)."""
        for site_id, server in self._servers.items():
            # shutdown() waits for serve_forever() and would hang if it never started.
            thread = self._threads.get(site_id)
            if thread is not None:
                server.shutdown()
                thread.join()
            server.server_close()
        self._servers.clear()
        self._threads.clear()

    @property
    def base_urls(self) -> dict[str, str]:
        """Site id -> ``http://host:port`` (no trailing slash)."""
        if not self._servers:
            raise RuntimeError("DemoWeb is not started")
        return {
            site_id: f"http://{self.host}:{server.server_address[1]}"
            for site_id, server in self._servers.items()
        }

    def url(self, site_id: str, path: str = "/") -> str:
        """Absolute URL of ``path`` on site ``site_id``."""
        return self.base_urls[site_id] + path

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        """Called by the handlers; thread-safe."""
        with self._lock:
            self._requests.append(request)

    def __enter__(self) -> DemoWeb:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_blocking(ports: Mapping[str, int] | None = None, host: str = "127.0.0.1") -> None:
    """Serve the demo sites until interrupted (Ctrl-C), printing one ``id URL`` line each."""
    with DemoWeb(ports, host) as web:
        for site_id, url in web.base_urls.items():
            print(f"{site_id} {url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
