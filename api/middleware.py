"""ASGI middleware: request ids in responses and logs, security headers on every response, and
per-client rate limiting (keyed on the client address after :mod:`uvicorn`'s proxy-header middleware,
which :func:`api.app.create_app` puts in front)."""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import SECURITY_HEADERS, problem_response

log = logging.getLogger("deptnews.api")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (the client's ``X-Request-ID`` if sane), echoes it and logs one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope["path"] + (f"?{query}" if query else "")
            client = (scope.get("client") or ("-", 0))[0]  # after the proxy headers: the real client
            log.info(
                "request_id=%s client=%s status=%s ms=%.1f %s %s",
                request_id,
                client,
                status,
                elapsed,
                scope["method"],
                path,
            )


class SecurityHeadersMiddleware:
    """Adds :data:`api.problems.SECURITY_HEADERS` to every response that does not set the header itself.

    The default policy suits JSON and other data (nothing may be loaded, run or framed); pages that
    need more (the web pages, ``/docs``, the sandboxed capture) send their own
    ``Content-Security-Policy``, which is kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._defaults = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in SECURITY_HEADERS.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in self._defaults if name not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimitMiddleware:
    """A token bucket per client address: ``rate`` requests per second, bursts up to ``burst``.

    Over the limit the client gets 429 with ``Retry-After``. Buckets live in this process (each uvicorn
    worker limits on its own); the least recently seen clients are forgotten past ``max_clients``.
    """

    def __init__(self, app: ASGIApp, *, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _take(self, client: str) -> float:
        """Take a token for ``client``; return 0 if allowed, else the seconds until one is available."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Probes and the page's own static files do not count against a client's budget.
        exempt = scope.get("path", "") in ("/healthz", "/readyz") or scope.get("path", "").startswith(
            "/static/"
        )
        if scope["type"] != "http" or self.rate <= 0 or exempt:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self._take(client)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            response = problem_response(
                429, "rate-limited", "Too many requests", f"slow down: retry after {retry} s"
            )
            response.headers["Retry-After"] = str(retry)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
