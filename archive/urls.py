"""URL canonicalization, shared by the crawler (to fetch an article once) and the parser (record ids)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive.variants import strip_variant

# Query parameters that identify a campaign or a session, never a page.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "zarsrc",
        "zalo_source",
        "mc_cid",
        "mc_eid",
        "jsessionid",
        "phpsessid",
        # Liferay appends where the reader came from; the article is the same.
        "redirect",
        "inheritredirect",
        "backurl",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url`` (resolved against ``base`` if given).

    Lowercases scheme and host, drops the default port, the fragment and tracking parameters
    (``utm_*``, ``fbclid``, session ids), maps a print, pop-up or AMP view to the article's own URL
    (:mod:`archive.variants`), keeps the remaining query parameters in their order and keeps
    the path as written (paths are case-sensitive on many CMSs).
    """
    if base is not None:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    ]
    path = parts.path or "/"
    # ";jsessionid=…" path parameters (Java portals) are session state too.
    if ";jsessionid=" in path.lower():
        path = path[: path.lower().index(";jsessionid=")]
    path, query = strip_variant(path, query)
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def same_host(url: str, other: str) -> bool:
    """True when both URLs have the same host and port (the unit of politeness)."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and a.port == b.port
