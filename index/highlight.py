"""Snippets: a window of the original text with matched words in ``<mark>``, everything else escaped.

Matching works on the same forms the index uses, so a folded query ("hoi nghi") marks "Hội nghị" in
the original text, and a phrase marks both syllables of each matched bigram.
"""

from __future__ import annotations

from html import escape

from index.query import Highlights
from index.vietnamese import Token, exact_form, folded_form, tokenize

_WINDOW = 40  # tokens in a snippet


def _marked(tokens: list[Token], hl: Highlights) -> list[bool]:
    exact = [exact_form(t.text) for t in tokens]
    folded = [folded_form(t.text) for t in tokens]
    marks = [e in hl.exact or f in hl.folded for e, f in zip(exact, folded, strict=True)]
    if hl.bigrams_exact or hl.bigrams_folded:
        for i in range(len(tokens) - 1):
            if (exact[i], exact[i + 1]) in hl.bigrams_exact or (
                folded[i],
                folded[i + 1],
            ) in hl.bigrams_folded:
                marks[i] = marks[i + 1] = True
    return marks


def match_count(text: str, hl: Highlights) -> int:
    """How many words of ``text`` a snippet would mark."""
    tokens = list(tokenize(text))
    return sum(_marked(tokens, hl)) if tokens else 0


def snippet(text: str, hl: Highlights, *, window: int = _WINDOW) -> str:
    """The best window of ``text`` (most marked tokens) as safe HTML; the text's start if nothing matched."""
    tokens = list(tokenize(text))
    if not tokens:
        return escape(text[:300])
    marks = _marked(tokens, hl)
    best_start, best_count, count = 0, -1, 0
    for i in range(len(tokens)):
        count += marks[i]
        if i >= window:
            count -= marks[i - window]
        if count > best_count:
            best_count, best_start = count, max(0, i - window + 1)
    lo, hi = best_start, min(len(tokens), best_start + window)
    begin, end = tokens[lo].start, tokens[hi - 1].end
    out: list[str] = ["… " if lo > 0 else ""]
    cursor = begin
    for token, marked in zip(tokens[lo:hi], marks[lo:hi], strict=True):
        out.append(escape(text[cursor : token.start]))
        piece = escape(text[token.start : token.end])
        out.append(f"<mark>{piece}</mark>" if marked else piece)
        cursor = token.end
    out.append(escape(text[cursor:end]))
    if hi < len(tokens):
        out.append(" …")
    return "".join(out).replace("</mark> <mark>", " ")
