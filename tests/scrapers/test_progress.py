"""The counting progress bar (scrapers.progress.CountBar) that `deptnews index --progress` draws."""

from __future__ import annotations

import io

from scrapers.progress import CountBar


def test_count_bar_draws_in_place_and_clears() -> None:
    stream = io.StringIO()
    bar = CountBar(stream, "indexing", rate=1e-9)  # at most one intermediate draw: the first
    assert bar.line(0, 0) == "indexing [####################] 100% 0/0 records"
    bar(1, 4)
    bar(2, 4)  # too soon: not drawn
    bar(4, 4)  # the last is always drawn
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert "[#####---------------]  25% 1/4 records" in text
    assert text.endswith("[####################] 100% 4/4 records")
    bar.close()
    assert stream.getvalue().endswith("\r")
    assert stream.getvalue().split("\r")[-2].strip() == ""
