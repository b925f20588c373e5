"""The query mix of bench/search.py, drawn from the corpus itself so every query has matches.

Seven kinds, as issue 5 lists them: one term, two terms, a quoted phrase, an unaccented query, a query with
five facets, a query with a date range, and a query sorted by date. Query words come from random documents
in one of two ways:

* ``tokens``: a word at a random position, so words come up as often as in text, the most common ones
  (matching most documents) very often: the hard case for any engine;
* ``types``: a random one of the document's distinct words (at that position's run for phrases), which
  favours rarer, more topical words, closer to what people search for.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from index.request import SearchRequest
from index.vietnamese import TOKEN_RE, fold

__all__ = ["KINDS", "BenchQuery", "make_queries"]

KINDS = ("one term", "two terms", "phrase", "unaccented", "facets", "date filter", "sorted by date")
FACETS = ["source", "department", "jurisdiction", "year", "category"]


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str
    facets: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    newest: bool = False

    def request(self) -> SearchRequest:
        """The search this query stands for, as the API and the backends take it."""
        return SearchRequest(
            q=self.text,
            facets=self.facets,
            date_from=self.date_from,
            date_to=self.date_to,
            sort="newest" if self.newest else None,
        )


def _runs(text: str) -> list[list[str]]:
    """Clauses of ``text`` as lists of word tokens (no numbers or document numbers)."""
    out: list[list[str]] = [[]]
    for token in TOKEN_RE.findall(text):
        if token and token.isalpha():
            out[-1].append(token)
        elif out[-1]:
            out.append([])
    return [c for c in out if c]


def make_queries(
    docs: Iterable[dict[str, Any]], per_kind: int, *, seed: int = 1, words: str = "tokens"
) -> list[BenchQuery]:
    """``per_kind`` queries of each kind from a sample of ``docs`` (read once); ``words``: see above."""
    if words not in ("tokens", "types"):
        raise ValueError(f"words must be 'tokens' or 'types', not {words!r}")
    rng = random.Random(seed)
    sample: list[list[list[str]]] = []
    for i, doc in enumerate(docs):
        if len(sample) < per_kind * 4:
            sample.append(_runs("\n".join([doc["title"], *doc["body"]])))
        elif rng.random() < 0.05:  # reservoir-ish: keep sampling the whole corpus
            sample[rng.randrange(len(sample))] = _runs("\n".join([doc["title"], *doc["body"]]))
        if i > 200_000:
            break

    def pick(k: int) -> list[str]:
        while True:
            doc = rng.choice(sample)
            runs = [r for r in doc if len(r) >= k]
            if not runs:
                continue
            if words == "types":  # a distinct word of the document, then a run that starts with it
                first = rng.choice(sorted({w.lower() for r in runs for w in r[: len(r) - k + 1]}))
                starts = [(r, i) for r in runs for i in range(len(r) - k + 1) if r[i].lower() == first]
                run, start = rng.choice(starts)
            else:
                run = rng.choice(runs)
                start = rng.randrange(len(run) - k + 1)
            return [w.lower() for w in run[start : start + k]]

    queries: list[BenchQuery] = []
    for _ in range(per_kind):
        start = date(2008, 1, 1) + timedelta(days=rng.randrange(16 * 365))
        queries += [
            BenchQuery("one term", pick(1)[0]),
            BenchQuery("two terms", " ".join(pick(2))),
            BenchQuery("phrase", '"' + " ".join(pick(3)) + '"'),
            BenchQuery("unaccented", fold(" ".join(pick(2)))),
            BenchQuery("facets", " ".join(pick(2)), facets=FACETS),
            BenchQuery(
                "date filter",
                " ".join(pick(2)),
                date_from=start,
                date_to=start + timedelta(days=rng.randrange(60, 900)),
            ),
            BenchQuery("sorted by date", " ".join(pick(1)), newest=True),
        ]
    return queries
