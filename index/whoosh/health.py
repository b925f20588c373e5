"""Per-source parser health from the index's columns: how many of a source's current records have no
publication date, a body under :data:`SHORT_BODY` characters, or a title that another record of the same
source also has. A source whose pages the parser reads wrongly shows it here first (every record titled
with the portlet's name, every date missing, only the standfirst kept), before users meet it.

Counted with numpy over columns the index already keeps for every document, so a call costs one pass over
the live documents, not a read of the records.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from index.health import SHORT_BODY, SourceHealth
from index.schema import NO_DATE
from index.whoosh.docvalues import DocValues

__all__ = ["source_health"]


def source_health(searcher: Any, values: DocValues) -> dict[str, SourceHealth]:
    """Health of every source with at least one live document in ``searcher``'s index version."""
    live = np.asarray(values.live(searcher), dtype=np.int64)
    if not len(live):
        return {}
    codes, labels = values.codes(searcher, "source")
    source = codes[live].astype(np.int64)
    size = len(labels)

    def per_source(mask: Any) -> list[int]:
        return [int(n) for n in np.bincount(source[mask], minlength=size)]

    every = np.ones(len(live), dtype=bool)
    undated = values.array(searcher, "ts")[live] == NO_DATE
    chars = values.array(searcher, "body_chars")[live]
    short = (chars >= 0) & (chars < SHORT_BODY)
    # A title is shared when its (source, title key) pair occurs more than once.
    pairs = np.stack([source, values.array(searcher, "title_key")[live].astype(np.int64)], axis=1)
    _, inverse, counts = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
    shared = counts[inverse.reshape(-1)] > 1
    totals = zip(per_source(every), per_source(undated), per_source(short), per_source(shared), strict=True)
    return {
        labels[code]: SourceHealth(records=n, without_date=u, short_body=s, shared_title=t)
        for code, (n, u, s, t) in enumerate(totals)
        if n and labels[code]
    }
