"""A record's row: each full-text field's terms and weights are those of the shared analysis, with
equal term strings shared among the rows of a pool (a bulk load holds a block of rows at once)."""

from __future__ import annotations

from index.postgresql.documents import TermPool, field_terms
from index.terms import term_weights


def test_field_terms_are_the_analysis_terms_with_their_weights_in_order() -> None:
    parts = [("Hội nghị giao ban", 4.0), ("giao ban tháng 5; hội nghị", 1.0)]
    found = field_terms(parts)
    freqs, weights, _ = term_weights(parts)
    assert found.terms == sorted(freqs)
    assert found.weights.tolist() == [weights[t] for t in found.terms]  # 4 and 1: exact in float32
    assert found.length == sum(freqs.values())
    assert field_terms("").terms == []


def test_a_pool_shares_equal_terms_between_rows() -> None:
    pool = TermPool()
    first = field_terms("giao ban hội nghị", pool)
    # Strings made apart from the first row's: equal, not the same objects until pooled.
    second = field_terms("hội nghị giao ban", pool)
    assert second.terms == sorted(second.terms)
    shared = set(first.terms) & set(second.terms)
    assert "giao_ban" in shared
    by_text = {t: t for t in first.terms}
    assert all(t is by_text[t] for t in second.terms if t in shared)
    assert field_terms("giao ban hội nghị").terms == first.terms  # no pool: the same terms


def test_a_full_pool_starts_again() -> None:
    pool = TermPool(limit=3)
    a = pool.share(["an", "ba", "co", "da"])
    b = pool.share(["".join(["a", "n"])])  # over the limit: emptied, then this one added
    assert b == ["an"]
    assert b[0] is not a[0]
    c = pool.share(["".join(["a", "n"])])
    assert c[0] is b[0]
    pool.clear()
    assert pool.share(["".join(["a", "n"])])[0] is not b[0]
