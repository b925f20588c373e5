"""`deptnews sources list` prints each source's parser health once the archive is indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_record

from archive.home import DataHome
from archive.ledger import Ledger
from archive.store import RecordStore
from deptnews.cli import main

REGISTRY = (
    '[[source]]\nid = "broken"\nname = "Sở B"\ndepartment = "Sở B"\njurisdiction = "Tỉnh B"\n'
    'homepage = "http://b.demo.vn/"\nlistings = ["http://b.demo.vn/tin-tuc"]\narticle_pattern = "x"\n'
)


def test_sources_list_shows_health(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = DataHome(tmp_path).ensure()
    home.sources_file.write_text(REGISTRY, encoding="utf-8")
    args = ["--home", str(tmp_path), "sources", "list"]
    assert main(args) == 0
    assert "records:" not in capsys.readouterr().out  # no index yet: nothing to tell
    store = RecordStore(home.records_dir)
    for n in range(4):
        store.put(make_record(n, "Tin tức nổi bật", ["Đoạn dẫn."], source="broken"))
    assert main(["--home", str(tmp_path), "index"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "4 records: 4 (100%) without a date, 4 (100%) with a body under 200 characters, "
        "4 (100%) sharing their title"
    ) in out


def test_sources_list_shows_pattern_matches_that_are_no_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = DataHome(tmp_path).ensure()
    home.sources_file.write_text(REGISTRY, encoding="utf-8")
    with Ledger.open(home.records_dir) as ledger:
        ledger.set_not_article("http://b.demo.vn/tin-tuc/x", "broken", "listing")
    assert main(["--home", str(tmp_path), "sources", "list"]) == 0
    assert "1 page(s) match article_pattern but are no article" in capsys.readouterr().out
