"""Snippets of a page of texts tokenized together (index.snippets.PageTokenizer): the same strings as
index.highlight.snippet cuts from each text alone."""

from __future__ import annotations

import threading
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from index_factory import GLUE, SYLLABLES, corpus_records

from index.highlight import snippet
from index.query import parse_query
from index.snippets import PageTokenizer

_SYLLABLES = [
    *SYLLABLES,
    "2020",
    "1.234,5",
    "12/3/2020",
    "1234/QĐ-UBND",
    "COVID-19",
    "x²",
    "😀",
    "e\u0301",  # a decomposed letter: the text is not NFC
]
_GLUE = [*GLUE, "-", ""]


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.tuples(st.sampled_from(_SYLLABLES), st.sampled_from(_GLUE)), max_size=90), max_size=6
    ),
    query=st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4),
    quoted=st.booleans(),
    nfd=st.booleans(),
)
def test_a_page_of_snippets_equals_the_reference(
    texts: list[list[tuple[str, str]]], query: list[str], quoted: bool, nfd: bool
) -> None:
    page = ["".join(w + g for w, g in tokens) for tokens in texts]
    if nfd and page:
        page[0] = unicodedata.normalize("NFD", page[0])
    typed = " ".join(query)
    hl = parse_query(f'"{typed}"' if quoted else typed).highlights
    assert PageTokenizer().snippets(page, hl) == [snippet(text, hl) for text in page]


def test_real_shaped_pages_and_a_tokenizer_kept_between_them() -> None:
    records = list(corpus_records(30, seed=7, body_syllables=300))
    texts = ["\n".join([r.lead or "", *r.body]) for r in records]
    tokenizer = PageTokenizer(limit=50)  # renewed between pages: the limit is far below a page's spellings
    for query in ["hội nghị", '"giao ban"', "hoi nghi", "nghị -ban", records[4].title]:
        hl = parse_query(query).highlights
        for lo in range(0, len(texts), 10):
            page = texts[lo : lo + 10]
            assert tokenizer.snippets(page, hl) == [snippet(text, hl) for text in page]
    assert any("<mark>" in s for s in tokenizer.snippets(texts, parse_query("hội nghị").highlights))


def test_threads_share_one_tokenizer() -> None:
    records = list(corpus_records(40, seed=3, body_syllables=200))
    texts = ["\n".join(r.body) for r in records]
    tokenizer = PageTokenizer(limit=2000)
    queries = ["hội nghị", "giao ban", "hoi", '"ban hành"']
    expected = {q: [snippet(t, parse_query(q).highlights) for t in texts] for q in queries}
    failures: list[str] = []

    def run(query: str) -> None:
        for _ in range(5):
            if tokenizer.snippets(texts, parse_query(query).highlights) != expected[query]:
                failures.append(query)

    threads = [threading.Thread(target=run, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
