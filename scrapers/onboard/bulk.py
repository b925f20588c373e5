"""Many sites onboarded at once: concurrently across hosts, one request at a time per host.

Sites run ``host_concurrency`` at a time; every request goes through one shared
:class:`~scrapers.politeness.HostGate`, so two sites on one host still wait for each other. Progress is
reported to a :class:`~scrapers.progress.Progress` (the crawler's status line) as each site fetches and
finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from scrapers.fetch import make_client
from scrapers.onboard.client import SiteClient
from scrapers.onboard.propose import Hints, Proposal, propose
from scrapers.politeness import HostGate
from scrapers.progress import NullProgress, Progress
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings


async def onboard_sites(
    sites: list[Hints], settings: CrawlSettings, taken: Collection[str], progress: Progress | None = None
) -> list[Proposal]:
    """A proposal per site, in the order of ``sites``; ids proposed earlier in the list count as taken."""
    progress = progress or NullProgress()
    gate = HostGate()
    limit = asyncio.Semaphore(settings.host_concurrency)
    quick = settings.model_copy(update={"retries": min(settings.retries, 1)})
    claimed = set(taken)
    async with make_client(quick) as http:

        async def one(hints: Hints) -> Proposal:
            async with limit:
                report = SourceReport()
                label = hints.url

                def fetched(url: str) -> None:
                    report.fetched += 1
                    progress.update(label, report, url)

                client = SiteClient(quick, http, gate, budget=settings.onboard_requests, on_fetch=fetched)
                proposal = await propose(hints, client, claimed, settings.onboard_sample)
                if proposal.entry is not None:
                    claimed.add(str(proposal.entry["id"]))
                if proposal.ok:
                    report.new += 1
                else:
                    report.error("needs a human")
                progress.source_done(label, report)
                return proposal

        return list(await asyncio.gather(*(one(s) for s in sites)))
