"""Snippets: the fast path (one ``findall``, cached forms) marks and cuts exactly as the plain definition
over :func:`~index.vietnamese.tokenize` does."""

from __future__ import annotations

import unicodedata
from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from index.highlight import match_count, snippet
from index.query import Highlights, parse_query
from index.vietnamese import Token, exact_form, folded_form, tokenize

_SYLLABLES = [
    "Hội",
    "HỘI",
    "nghị",
    "nghi",
    "giao",
    "ban",
    "bàn",
    "Hoà",
    "hòa",
    "đà",
    "Đà",
    "1234/QĐ-UBND",
    "3,5",
]
_GLUE = [" ", ", ", ". ", "\n", " - ", "/", "…", " <&> ", "\t", "_"]


def _reference_marks(tokens: list[Token], hl: Highlights) -> list[bool]:
    exact = [exact_form(t.text) for t in tokens]
    folded = [folded_form(t.text) for t in tokens]
    marks = [e in hl.exact or f in hl.folded for e, f in zip(exact, folded, strict=True)]
    for i in range(len(tokens) - 1):
        if (exact[i], exact[i + 1]) in hl.bigrams_exact or (folded[i], folded[i + 1]) in hl.bigrams_folded:
            marks[i] = marks[i + 1] = True
    return marks


def _reference_snippet(text: str, hl: Highlights, window: int = 40) -> str:
    tokens = list(tokenize(text))
    if not tokens:
        return escape(text[:300])
    marks = _reference_marks(tokens, hl)
    best_start, best_count, count = 0, -1, 0
    for i in range(len(tokens)):
        count += marks[i]
        if i >= window:
            count -= marks[i - window]
        if count > best_count:
            best_count, best_start = count, max(0, i - window + 1)
    lo, hi = best_start, min(len(tokens), best_start + window)
    out = ["… " if lo > 0 else ""]
    cursor = tokens[lo].start
    for token, marked in zip(tokens[lo:hi], marks[lo:hi], strict=True):
        out.append(escape(text[cursor : token.start]))
        piece = escape(text[token.start : token.end])
        out.append(f"<mark>{piece}</mark>" if marked else piece)
        cursor = token.end
    out.append(escape(text[cursor : tokens[hi - 1].end]))
    if hi < len(tokens):
        out.append(" …")
    return "".join(out).replace("</mark> <mark>", " ")


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.tuples(st.sampled_from(_SYLLABLES), st.sampled_from(_GLUE)), max_size=150),
    query=st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=4),
    quoted=st.booleans(),
    nfd=st.booleans(),
)
def test_snippets_equal_the_plain_definition(
    tokens: list[tuple[str, str]], query: list[str], quoted: bool, nfd: bool
) -> None:
    text = "".join(w + g for w, g in tokens)
    if nfd:
        text = unicodedata.normalize("NFD", text)
    typed = " ".join(query)
    hl = parse_query(f'"{typed}"' if quoted else typed).highlights
    assert snippet(text, hl) == _reference_snippet(text, hl)
    assert match_count(text, hl) == sum(_reference_marks(list(tokenize(text)), hl))
