"""``deptnews cdx`` and the CDXJ index a crawl keeps current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NewsSite
from mementos import PAGE, build
from warcio.archiveiterator import ArchiveIterator

from archive.cdxindex import CdxIndex
from archive.cdxj import iter_lines, parse_line
from archive.home import DataHome
from archive.warc import warc_files
from deptnews.cli import main


def test_cdx_builds_and_rebuilds_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build(tmp_path)
    expected = (built.home.cdx_dir / "index.cdxj").read_bytes()
    shutil.rmtree(built.home.cdx_dir)  # a data home from before the index existed
    args = ["--home", str(tmp_path)]
    assert main([*args, "cdx"]) == 0
    out = capsys.readouterr().out
    assert "2 WARC file(s), 6 capture(s)" in out
    assert "2 indexed" in out
    assert (built.home.cdx_dir / "index.cdxj").read_bytes() == expected
    assert main([*args, "cdx"]) == 0
    assert "0 indexed, 0 dropped, already current" in capsys.readouterr().out
    assert main([*args, "cdx", "--rebuild"]) == 0
    assert "2 indexed" in capsys.readouterr().out
    assert (built.home.cdx_dir / "index.cdxj").read_bytes() == expected
    assert [e.url for e in CdxIndex(built.home.cdx_dir, built.home.warc_dir).lookup(PAGE)] == [PAGE] * 3


def test_cdx_with_an_unreadable_file_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(tmp_path)
    (tmp_path / "warc" / "zzz.warc.gz").mkdir()
    assert main(["--home", str(tmp_path), "cdx"]) == 1
    assert "zzz.warc.gz" in capsys.readouterr().err


def test_each_crawl_leaves_the_index_current(tmp_path: Path, news_site: NewsSite) -> None:
    (tmp_path / "sources.toml").write_text(news_site.source_toml(), encoding="utf-8")
    home = DataHome(tmp_path)
    index = home.cdx_dir / "index.cdxj"

    def indexed() -> list[str]:
        return [parse_line(line).url for line in iter_lines(index)]

    def captured() -> list[str]:
        urls = []
        for path in warc_files(home.warc_dir):
            with path.open("rb") as fh:
                urls += [
                    r.rec_headers.get_header("WARC-Target-URI")
                    for r in ArchiveIterator(fh)
                    if r.rec_type in ("response", "revisit")
                ]
        return urls

    assert main(["--home", str(tmp_path), "crawl"]) == 0
    assert sorted(indexed()) == sorted(captured())
    assert news_site.article_urls() <= set(indexed())
    new = news_site.add(2)
    assert main(["--home", str(tmp_path), "crawl"]) == 0
    assert sorted(indexed()) == sorted(captured())
    assert {news_site.url + a.path for a in new} <= set(indexed())


def test_warcinfo_operator_comes_from_the_settings(
    tmp_path: Path, news_site: NewsSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPTNEWS_CRAWL__OPERATOR", "Nhóm lưu trữ deptnews <luutru@example.vn>")
    (tmp_path / "sources.toml").write_text(news_site.source_toml(), encoding="utf-8")
    assert main(["--home", str(tmp_path), "crawl", "--max-articles", "1"]) == 0
    with warc_files(tmp_path / "warc")[0].open("rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read().decode("utf-8")
    assert "operator: Nhóm lưu trữ deptnews <luutru@example.vn>" in info
    assert "robots: obey" in info
    assert "http-header-user-agent: deptnews/" in info
