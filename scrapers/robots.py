"""robots.txt as RFC 9309 defines it: groups per user agent, longest match wins, ``*`` and ``$`` patterns.

The standard library's ``urllib.robotparser`` applies the first matching rule and knows no wildcards, so
``Disallow: /\nAllow: /tin-tuc/`` or ``Disallow: /*?print=`` would be misread; department sites use both.
``Crawl-delay`` (not in the RFC, but widely used) and ``Sitemap`` lines are read too.

A robots.txt larger than :data:`MAX_ROBOTS_BYTES` is read up to that size and parsed without its cut
last line (:func:`robots_text`), as RFC 9309 §2.5 allows; the host is crawled by what was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

MAX_ROBOTS_BYTES = 512 * 1024
"""RFC 9309 §2.5: crawlers must parse at least 500 KiB; the rest is ignored (not even downloaded)."""

_SAFE = "/?=&;:@!$'()*+,~-._%"


def robots_text(data: bytes, cut: bool) -> str:
    """The text of a robots.txt body to parse: at most :data:`MAX_ROBOTS_BYTES` bytes; when the file was
    cut (``cut``, or ``data`` longer than the limit), the partial last line is dropped — half a rule
    (``Allow: /tin-tuc/x`` read as ``Allow: /``) could say the opposite of the whole one."""
    if cut or len(data) > MAX_ROBOTS_BYTES:
        data = data[:MAX_ROBOTS_BYTES]
        data = data[: data.rfind(b"\n") + 1]
    return data.decode("utf-8", "replace")


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent (``deptnews/0.1 (+…)`` → ``deptnews``), lower case."""
    return re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()


def _normalize(path: str) -> str:
    # Compare percent-encoded forms (RFC 9309 §2.2.2), so "/tin%2Dtuc" and "/tin-tuc" are the same path.
    return quote(unquote(path), safe=_SAFE)


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def make(cls, allow: bool, raw: str) -> _Rule:
        pattern = _normalize(raw)
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = ".*".join(re.escape(part) for part in body.split("*")) + (r"\Z" if anchored else "")
        return cls(allow, pattern, re.compile(regex))

    @property
    def length(self) -> int:
        return len(self.pattern)


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


class RobotsRules:
    """Parsed robots.txt rules; ``allowed`` and ``crawl_delay`` answer for one product token."""

    def __init__(self, groups: list[_Group], sitemaps: list[str]) -> None:
        self._groups = groups
        self.sitemaps = sitemaps

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        groups: list[_Group] = []
        sitemaps: list[str] = []
        current: _Group | None = None
        in_agents = False
        for raw_line in text[:MAX_ROBOTS_BYTES].splitlines():
            line = raw_line.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            key, value = (part.strip() for part in line.split(":", 1))
            key = key.lower()
            if key == "user-agent":
                if current is None or not in_agents:
                    current = _Group()
                    groups.append(current)
                current.agents.append(value.split("/")[0].strip().lower())
                in_agents = True
                continue
            if key == "sitemap":
                if value:
                    sitemaps.append(value)
                continue
            in_agents = False
            if current is None:
                continue  # rules before any user-agent line belong to nobody
            if key in ("allow", "disallow"):
                # An empty Disallow allows everything: it is simply no rule.
                if value:
                    current.rules.append(_Rule.make(key == "allow", value))
            elif key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    current.crawl_delay = delay
        return cls(groups, sitemaps)

    @classmethod
    def allow_all(cls) -> RobotsRules:
        return cls([], [])

    @classmethod
    def disallow_all(cls) -> RobotsRules:
        return cls([_Group(agents=["*"], rules=[_Rule.make(False, "/")])], [])

    def _matching(self, token: str) -> list[_Group]:
        named = [g for g in self._groups if token in g.agents]
        return named or [g for g in self._groups if "*" in g.agents]

    def allowed(self, url: str, token: str) -> bool:
        """Whether ``token`` may fetch ``url``: the longest matching rule decides, allow wins a tie."""
        parts = urlsplit(url)
        path = _normalize((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if path == "/robots.txt":
            return True
        best: _Rule | None = None
        for group in self._matching(token):
            for rule in group.rules:
                if rule.regex.match(path) and (
                    best is None or rule.length > best.length or (rule.length == best.length and rule.allow)
                ):
                    best = rule
        return best is None or best.allow

    def crawl_delay(self, token: str) -> float | None:
        delays = [g.crawl_delay for g in self._matching(token) if g.crawl_delay is not None]
        return max(delays) if delays else None
