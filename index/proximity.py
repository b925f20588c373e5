"""The typed run ranks first: a proximity step after a backend's top-k, the same on every backend.

BM25F scores each adjacent pair of query syllables on its own (a bigram term), so a short page holding
the pairs of "a b c d" scattered can outscore a long page holding the whole run. When a query is a run
of :data:`MIN_RUN` or more syllables (plain words and quoted phrases, no ``OR``, exclusion or field),
the backend's best :data:`DEPTH` candidates are checked, and those whose title or page text holds every
syllable of the query consecutively, in order (a syllable typed without marks matching any spelling that
folds to it, one typed with marks its exact spelling) are lifted above the rest: their score becomes
their BM25 score plus the best candidate's. Everything else keeps its score and place, so the order
stays a total order by ``(score desc, id)``, which cursors page through unchanged, and the match set,
total and facets are not touched.

How a candidate is checked is the backend's: Whoosh reads the token ids of its text store
(:func:`index.whoosh.proximity.holders`); a backend holding the texts checks them with
:func:`holds_run`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.query import Clause, lex, syllables
from index.terms import syllable_forms
from index.vietnamese import TOKEN_RE, nfc

__all__ = ["DEPTH", "MIN_RUN", "Run", "Top", "holds_run", "query_run", "rerank"]

DEPTH = 200
"""Candidates (the engine's best by BM25) looked at for the run."""
MIN_RUN = 3
"""Syllables a query needs for the step (two adjacent syllables are one bigram, which BM25 scores)."""
_MAX_RUN = 64
_CHECK_BATCH = 32
"""Candidates checked at a time (at least the page's length): a phrase's first batch mostly holds it."""

Top = Callable[[int, tuple[float, str] | None], list[tuple[float, int]] | None]
"""``top(limit, after)``: the engine's best ``limit`` matches strictly after ``after = (score, id)``,
as ``(score, docnum)`` in ``(score desc, id)`` order; None for a query it cannot score."""


@dataclass(frozen=True)
class Run:
    """A query's syllables as ``(exact form, folded form, typed with marks)``."""

    syllables: tuple[tuple[str, str, bool], ...]


def query_run(text: str | None, scope: str = "all") -> Run | None:
    """The run of syllables ``text`` asks for, or None when the step does not apply."""
    if not text or scope == "attachments":
        return None
    words: list[str] = []
    for item in lex(nfc(text)):
        if not isinstance(item, Clause) or item.negated or item.field is not None:
            return None
        words += syllables(item.text)
    if not MIN_RUN <= len(words) <= _MAX_RUN:
        return None
    forms = [syllable_forms(w) for w in words]
    return Run(tuple((exact, folded, exact != folded) for exact, folded in forms))


def holds_run(run: Run, texts: Sequence[str]) -> bool:
    """Whether one of ``texts`` (a title, a page text: a run never crosses from one to the next) holds
    the run, tokenized by the shared analysis as the index tokenizes it (the tokens' texts of
    :func:`~index.vietnamese.tokenize` on the NFC text, read by one ``findall``: a backend checks
    hundreds of candidate pages per query)."""
    n = len(run.syllables)
    wanted = [(0 if marked else 1, exact if marked else folded) for exact, folded, marked in run.syllables]
    for text in texts:
        words = [w for w in TOKEN_RE.findall(nfc(text)) if w]
        if len(words) < n:
            continue
        known = {w: syllable_forms(w) for w in set(words)}
        forms = list(map(known.__getitem__, words))
        kind, first = wanted[0]
        for start in range(len(forms) - n + 1):
            if forms[start][kind] == first and all(
                forms[start + j][k] == form for j, (k, form) in enumerate(wanted[1:], start=1)
            ):
                return True
    return False


def rerank(
    top: Top,
    want: int,
    after: tuple[float, str] | None,
    ids: Sequence[str],
    has_run: Callable[[list[int]], list[bool]],
) -> list[tuple[float, int]] | None:
    """The best ``want`` ``(score, docnum)`` strictly after ``after`` in the lifted order (see the
    module docstring); ``has_run(docnums)`` says which hold the run; None if ``top`` is None."""
    candidates = top(DEPTH, None)
    if candidates is None:
        return None
    if not candidates:
        return []
    # Checked in the engine's order, a batch at a time. Once ``want`` holders are found (and no cursor
    # asks for a place further down), the candidates not checked yet cannot reach the page: each comes
    # after all of them in the lifted order, whether it holds the run or not.
    runs: list[bool] = []
    step = max(want, _CHECK_BATCH)
    for lo in range(0, len(candidates), step):
        runs += has_run([d for _, d in candidates[lo : lo + step]])
        if after is None and sum(runs) >= want:
            break
    lift = candidates[0][0]
    lifted = sorted(
        (
            (score + lift if run else score, d)
            for (score, d), run in zip(candidates[: len(runs)], runs, strict=True)
        ),
        key=lambda row: (-row[0], ids[row[1]]),
    )
    if after is not None:
        key = (-after[0], after[1])
        lifted = [row for row in lifted if (-row[0], ids[row[1]]) > key]
    rows = lifted[:want]
    if len(rows) < want and len(candidates) >= DEPTH:
        # The rest follow in the engine's order, after its last candidate (or the cursor, if later).
        last_score, last = candidates[-1]
        rest_after = (last_score, ids[last])
        if after is not None and (-after[0], after[1]) > (-last_score, ids[last]):
            rest_after = after
        rest = top(want - len(rows), rest_after)
        rows += rest or []
    return rows
