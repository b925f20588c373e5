"""``deptnews sources add``: sites configured from their address, then crawled and parsed with no edit.

The sites run on loopback (tests/onboard_sites.py: WordPress, Joomla, SharePoint and NukeViet shapes; the
demo's Drupal and Liferay sites), each with its feeds, sitemaps, menus and pager in their real shapes.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from onboard_sites import FAMILIES, FamilySite, closed_site, company_site, family_site

from archive.sources import load_sources
from archive.store import RecordStore
from deptnews.cli import main
from deptnews.commands.sources_add import read_site_list
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import get_site


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPTNEWS_CRAWL__DELAY", "0")
    monkeypatch.setenv("DEPTNEWS_CRAWL__RETRIES", "0")
    monkeypatch.setenv("DEPTNEWS_CRAWL__BACKOFF", "0.01")


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoWeb]:
    with DemoWeb() as web:
        yield web


def _add(home: Path, *args: str) -> int:
    return main(["--home", str(home), "sources", "add", "--no-progress", *args])


def _archived(home: Path) -> set[str]:
    assert main(["--home", str(home), "crawl", "--no-progress"]) == 0
    assert main(["--home", str(home), "parse"]) == 0
    return {record.url for record in RecordStore(home / "records")}


@pytest.mark.parametrize("family", FAMILIES)
def test_a_site_of_each_family_is_added_then_archived_completely(
    tmp_path: Path, family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site = family_site(family)
    try:
        assert _add(tmp_path, site.url + "/", "--yes") == 0
        out = capsys.readouterr().out
        assert "READY" in out
        assert "5 of 5 sampled article pages parse as articles, 5 with a date, 5 distinct titles" in out
        source = next(iter(load_sources(tmp_path / "sources.toml").sources.values()))
        assert source.department == "Sở Nội vụ"
        assert source.jurisdiction == "Tỉnh Cao Bằng"
        assert source.name == "Sở Nội vụ tỉnh Cao Bằng"
        assert source.verified
        # Every article of every listing page, with no hand edit of the entry.
        assert _archived(tmp_path) == site.article_urls()
    finally:
        site.close()
    expected = {
        "wordpress": (["/feed/"], ["/wp-sitemap.xml"]),
        "joomla": (["/tin-tuc-su-kien?format=feed&type=rss"], []),
        "sharepoint": ([], []),  # neither feed nor sitemap: the menu alone
        "nukeviet": (["/rss/news/"], ["/sitemap.xml"]),
    }[family]
    assert [f.removeprefix(site.url) for f in source.feeds] == expected[0]
    assert [s.removeprefix(site.url) for s in source.sitemaps] == expected[1]


@pytest.mark.parametrize("site_id", ["stttt", "skhcn"])
def test_the_demo_sites_are_added_then_archived_completely(
    tmp_path: Path, demo: DemoWeb, site_id: str
) -> None:
    base = demo.base_urls[site_id]
    assert _add(tmp_path, base + "/", "--yes", "--id", site_id) == 0
    source = load_sources(tmp_path / "sources.toml").get(site_id)
    assert source.department == get_site(site_id).department
    archived = _archived(tmp_path)
    assert archived == {base + a.path for a in get_site(site_id).articles}


def test_the_registry_keeps_its_comments_and_entries(tmp_path: Path) -> None:
    registry = tmp_path / "sources.toml"
    first = (
        '# my province\n\n[[source]]\nid = "old"  # the first one\nname = "Sở A"\ndepartment = "Sở A"\n'
        'jurisdiction = "Tỉnh B"\nhomepage = "https://a.example/"\nlistings = ["https://a.example/tin"]\n'
        "article_pattern = '^/tin/\\d+$'\n"
    )
    registry.write_text(first, encoding="utf-8")
    site = family_site("joomla")
    try:
        assert _add(tmp_path, site.url + "/", "--yes") == 0
    finally:
        site.close()
    text = registry.read_text(encoding="utf-8")
    assert text.startswith(first)
    assert "article_pattern = '^/tin-tuc-su-kien/\\d+-[^/?#]+$'" in text
    assert list(tomllib.loads(text)["source"][1])[:3] == ["id", "name", "department"]


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = family_site("nukeviet")
    try:
        assert _add(tmp_path, site.url + "/", "--dry-run") == 0
    finally:
        site.close()
    out = capsys.readouterr().out
    assert "[[source]]" in out
    assert "nothing written (--dry-run)" in out
    assert not (tmp_path / "sources.toml").exists()


def test_without_a_terminal_it_asks_for_yes_or_dry_run(tmp_path: Path) -> None:
    assert _add(tmp_path, "http://127.0.0.1:9/") == 2


def test_robots_txt_is_obeyed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = closed_site()
    try:
        assert _add(tmp_path, site.url + "/", "--yes") == 1
        assert set(site.server.hits) == {"/robots.txt"}
    finally:
        site.close()
    assert "robots.txt disallows" in capsys.readouterr().out
    assert not (tmp_path / "sources.toml").exists()


def test_a_site_that_is_not_news_needs_a_human(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = company_site()
    try:
        assert _add(tmp_path, site.url + "/", "--yes") == 1
    finally:
        site.close()
    out = capsys.readouterr().out
    assert "NEEDS A HUMAN" in out
    assert "no news listing found" in out
    assert "summary: 0 added, 1 need a human" in out
    assert not (tmp_path / "sources.toml").exists()


def test_many_hosts_from_a_csv_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sites: list[FamilySite] = [family_site("wordpress"), family_site("sharepoint"), company_site()]
    listing = tmp_path / "province.csv"
    listing.write_text(
        "url,department,jurisdiction\n"
        f"{sites[0].url}/,Sở Tài chính,Tỉnh Hà Giang\n"
        f"# a comment\n{sites[1].url}/,,\n{sites[2].url}/,,\n",
        encoding="utf-8",
    )
    try:
        assert _add(tmp_path, "--from", str(listing), "--yes") == 1
        archived = _archived(tmp_path)
        assert archived == sites[0].article_urls() | sites[1].article_urls()
    finally:
        for site in sites:
            site.close()
    registry = load_sources(tmp_path / "sources.toml")
    first, second = registry.sources.values()
    assert (first.department, first.jurisdiction) == ("Sở Tài chính", "Tỉnh Hà Giang")
    assert second.department == "Sở Nội vụ"
    out = capsys.readouterr().out
    assert "summary: 2 added, 1 need a human" in out
    assert f"human  {sites[2].url}/: no news listing found" in out


def test_a_site_list_reads_lines_and_csv(tmp_path: Path) -> None:
    lines = tmp_path / "a.txt"
    lines.write_text("https://a.example/\n\n# skip\nhttps://b.example/\n", encoding="utf-8")
    assert [h.url for h in read_site_list(lines)] == ["https://a.example/", "https://b.example/"]
    table = tmp_path / "b.csv"
    table.write_text(
        'homepage,jurisdiction,department\nhttps://c.example/,Tỉnh X,"Sở Y, Z"\n', encoding="utf-8"
    )
    (hints,) = read_site_list(table)
    assert (hints.url, hints.department, hints.jurisdiction) == ("https://c.example/", "Sở Y, Z", "Tỉnh X")


def test_progress_is_drawn_for_several_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sites = [company_site(), company_site()]
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    try:
        args = ["--home", str(tmp_path), "sources", "add", "--progress", "--dry-run"]
        assert main([*args, *(s.url + "/" for s in sites)]) == 1
    finally:
        for site in sites:
            site.close()
    assert "[2/2 sources]" in stderr.getvalue()


def test_a_deliberately_loose_pattern_loses_no_article(tmp_path: Path) -> None:
    # "^/tin-tuc-su-kien" also matches the listing's own pages ("?start=5") and its feed URL.
    site = family_site("joomla")
    try:
        assert _add(tmp_path, site.url + "/", "--yes") == 0
        registry = tmp_path / "sources.toml"
        text = registry.read_text(encoding="utf-8")
        loose = text.replace(
            "article_pattern = '^/tin-tuc-su-kien/\\d+-[^/?#]+$'", "article_pattern = '^/tin-tuc-su-kien'"
        )
        assert loose != text
        registry.write_text(loose, encoding="utf-8")
        assert _archived(tmp_path) == site.article_urls()
    finally:
        site.close()
