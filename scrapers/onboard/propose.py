"""One site onboarded: look at it, propose a ``[[source]]`` entry, and check it.

1. robots.txt, then the homepage (robots.txt obeyed throughout, see :mod:`.client`);
2. its news listings: the menu entries labelled like news (:func:`.entries.news_menu`), the homepage
   last; each read as a listing (:mod:`.listings`): its dated teasers and their URL pattern;
3. its feeds and sitemaps, kept when they list articles of that pattern (:mod:`.declared`);
4. a sample of the articles and the listings parsed with the proposed source (:mod:`.verify`), and the
   listing's next page read for articles of the pattern;
5. department, jurisdiction and name from the site unless given (:mod:`.identity`).

A :class:`Proposal` with problems needs a human: it is never written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from archive.sources import Source
from scrapers.discover import listing_links, parse_html
from scrapers.onboard.client import Page, SiteClient
from scrapers.onboard.declared import Declared, check_feeds, check_sitemaps, sitemap_candidates
from scrapers.onboard.entries import family, family_feeds, feed_links, news_menu
from scrapers.onboard.identity import read_identity, source_id
from scrapers.onboard.listings import ListingView, read_listing
from scrapers.onboard.verify import SampleCheck

MAX_LISTINGS: Final = 3
"""News listings kept per site."""
MAX_CANDIDATES: Final = 4
"""Menu entries read as candidate listings."""


@dataclass(frozen=True)
class Hints:
    """What the operator said about a site; None: read from the site."""

    url: str
    source_id: str | None = None
    department: str | None = None
    jurisdiction: str | None = None


@dataclass
class Proposal:
    """The outcome for one site: the entry to write (None when it needs a human), what was checked, and
    the problems that make it need a human."""

    url: str
    entry: dict[str, Any] | None = None
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.entry is not None and not self.problems


async def propose(hints: Hints, client: SiteClient, taken: Collection[str], sample: int) -> Proposal:
    """Look at the site of ``hints.url`` and propose its entry; ``taken``: ids already in the registry."""
    out = Proposal(hints.url)
    try:
        await _propose(hints, client, taken, sample, out)
    finally:
        out.problems.extend(p for p in client.problems if not out.entry and p not in out.problems)
        out.checked.append(f"{client.fetched} request(s) made")
    return out


async def _propose(
    hints: Hints, client: SiteClient, taken: Collection[str], sample: int, out: Proposal
) -> None:
    settings = client.settings
    home = await client.get(hints.url, accept=settings.page_types)
    if home is None:
        if client.disallowed:
            out.problems.append(f"robots.txt disallows {hints.url}: not onboarded")
        else:
            out.problems.append(f"{hints.url}: cannot be fetched")
        return
    if home.status != 200:
        out.problems.append(f"{hints.url}: HTTP {home.status}")
        return
    doc = parse_html(home.text)
    if doc is None:
        out.problems.append(f"{hints.url}: an empty page")
        return
    name = family(doc)
    out.checked.append(f"homepage {home.url}: HTTP 200" + (f", {name}" if name else ""))
    views = await _listings(client, home.url, news_menu(doc, home.url), home)
    good = [v for v in views if v.pattern is not None]
    if not good:
        troubles = [v.problem for v in views if v.problem]
        out.problems.append(
            "no news listing found: no menu entry such as 'Tin tức', 'Thông báo', 'News' leads to a page of "
            "dated teasers, nor is the homepage one" + (f" ({'; '.join(troubles)})" if troubles else "")
        )
        return
    pattern = _one_pattern([v.pattern for v in good if v.pattern])
    for view in good:
        out.checked.append(
            f"listing {view.url}: {len(view.articles)} article links, {view.dated} with a date"
        )
    out.checked.append(f"article pattern {pattern!r}")
    listings = [v.url for v in good]
    declared = Declared()
    feeds = list(dict.fromkeys([*feed_links(doc, home.url), *(f for v in good for f in v.feeds)]))
    await check_feeds(client, feeds or family_feeds(name, home.url, listings), pattern, home.url, declared)
    robots = await client.robots(home.url)
    await check_sitemaps(
        client,
        sitemap_candidates(home.url, robots.sitemaps if robots else [], name),
        pattern,
        home.url,
        declared,
    )
    out.checked.extend(declared.lines)
    identity = read_identity(doc)
    department = hints.department or identity.department
    jurisdiction = hints.jurisdiction or identity.jurisdiction
    kind = "ministry" if (department or "").lower().startswith("bộ") else "province"
    if kind == "ministry" and not hints.jurisdiction:
        jurisdiction = "Trung ương"
    if department is None:
        out.problems.append(
            "the site does not name its department (<title>, header, footer): pass --department"
        )
    if jurisdiction is None:
        out.problems.append("the site does not name its province: pass --jurisdiction")
    if department is None or jurisdiction is None:
        return
    entry: dict[str, Any] = {
        "id": hints.source_id or source_id(home.url, department, taken),
        "name": department
        if kind == "ministry"
        else f"{department} {jurisdiction[:1].lower()}{jurisdiction[1:]}",
        "department": department,
        "jurisdiction": jurisdiction,
        "jurisdiction_kind": kind,
        "homepage": home.url,
        "listings": listings,
        "article_pattern": pattern,
    }
    if declared.feeds:
        entry["feeds"] = declared.feeds
    if declared.sitemaps:
        entry["sitemaps"] = declared.sitemaps
    try:
        source = Source.model_validate(entry)
    except ValidationError as exc:
        out.problems.append(f"the proposed entry is not valid: {exc.errors()[0]['msg']}")
        return
    check = await _check(client, source, good, sample)
    out.checked.append(check.summary())
    out.problems.extend(check.problems())
    entry["verified"] = not out.problems
    entry["notes"] = f"Proposed by `deptnews sources add` from {hints.url}: {check.summary(pages=False)}."
    out.entry = entry


async def _listings(client: SiteClient, homepage: str, menu: list[str], home: Page) -> list[ListingView]:
    max_links = client.settings.max_links_per_page
    views: list[ListingView] = []
    for url in menu[:MAX_CANDIDATES]:
        page = await client.get(url, accept=client.settings.page_types)
        if page is None:
            continue
        view = await asyncio.to_thread(read_listing, page, max_links)
        if view.pattern is not None or view.problem is not None:
            views.append(view)
        if sum(v.pattern is not None for v in views) >= MAX_LISTINGS:
            break
    if not any(v.pattern for v in views):
        views.append(await asyncio.to_thread(read_listing, home, max_links))
    # A listing whose articles another listing already has (the same news under two menu labels) is one.
    seen: set[str] = set()
    distinct: list[ListingView] = []
    for view in views:
        if view.pattern is None or not set(view.articles) <= seen:
            distinct.append(view)
            seen.update(view.articles)
    return distinct


def _one_pattern(patterns: list[str]) -> str:
    unique = list(dict.fromkeys(patterns))
    return unique[0] if len(unique) == 1 else "|".join(f"(?:{p})" for p in unique)


async def _check(client: SiteClient, source: Source, views: list[ListingView], sample: int) -> SampleCheck:
    check = SampleCheck()
    picks: list[str] = []
    for index in range(max((len(v.articles) for v in views), default=0)):
        picks.extend(v.articles[index] for v in views if index < len(v.articles))
    for url in list(dict.fromkeys(picks))[:sample]:
        page = await client.get(url, accept=client.settings.page_types)
        if page is not None:
            await asyncio.to_thread(check.add_article_page, page, source)
    for view in views[:1]:
        page = await client.get(view.url, accept=client.settings.page_types)
        if page is not None:
            await asyncio.to_thread(check.add_listing_page, page, source)
        if view.next_page is None:
            continue
        second = await client.get(view.next_page, accept=client.settings.page_types)
        if second is not None and second.status == 200:
            links = listing_links(second.text, second.url, source, client.settings.max_links_per_page)
            check.pages.append(f"next page {second.url}: {len(links.articles)} article links")
    return check
