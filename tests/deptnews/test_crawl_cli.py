"""``deptnews crawl`` and ``deptnews sources`` from the command line: exit codes, logs, probe, registry."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import pytest
from conftest import NewsSite, ScriptedServer, send

from archive.crawlstatus import read_crawl_status
from archive.sources import load_sources
from deptnews.cli import main
from scrapers.lock import CrawlLock
from scrapers.progress import TerminalProgress
from scrapers.report import SourceReport

ROOT = Path(__file__).resolve().parents[2]


def _home(tmp_path: Path, toml: str) -> list[str]:
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    return ["--home", str(tmp_path)]


def test_crawl_ok_prints_a_summary_and_writes_the_status_file(
    tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _home(tmp_path, news_site.source_toml())
    assert main([*args, "crawl"]) == 0
    out = capsys.readouterr().out
    header, line = out.splitlines()[:2]
    assert header.split() == [
        "source",
        "fetched",
        "new",
        "updated",
        "same",
        "removed",
        "failed",
        "robots",
        "type",
    ]
    assert line.split()[:3] == ["fixture", "33", "25"]  # 3 listing pages, 25 articles, 5 PDFs
    status = read_crawl_status(tmp_path).sources["fixture"]
    assert (status.new, status.failed, status.articles_captured) == (25, 0, 25)


def test_crawl_with_failures_is_exit_1(
    tmp_path: Path,
    server: ScriptedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPTNEWS_CRAWL__BACKOFF", "0.01")
    server.routes["/robots.txt"] = lambda h: send(h, 404, b"")
    server.routes["/tin-tuc"] = lambda h: send(h, 500, b"down")
    args = _home(
        tmp_path,
        f'[[source]]\nid = "down"\nname = "Sở X"\ndepartment = "Sở X"\njurisdiction = "Tỉnh X"\n'
        f'homepage = "{server.url}/"\nlistings = ["{server.url}/tin-tuc"]\n'
        'article_pattern = "x"\ndelay = 0.0\n',
    )
    assert main([*args, "crawl"]) == 1
    out = capsys.readouterr().out
    assert f"! {server.url}/tin-tuc: HTTP 500" in out
    assert server.hits["/tin-tuc"] == 4  # three retries


def test_unknown_source_is_exit_2(
    tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _home(tmp_path, news_site.source_toml())
    assert main([*args, "crawl", "--source", "nope"]) == 2
    assert "unknown source 'nope'" in capsys.readouterr().err


def test_overlapping_run_is_exit_3(
    tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _home(tmp_path, news_site.source_toml())
    with CrawlLock(tmp_path / "crawl.lock"):
        assert main([*args, "crawl"]) == 3
    assert "another crawl is running" in capsys.readouterr().err
    assert news_site.hits == {}


def test_json_log_lines(tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]) -> None:
    news_site.robots = "User-agent: *\nDisallow: /tin-tuc/tin-so-2-\n"
    args = _home(tmp_path, news_site.source_toml())
    assert main([*args, "--log-level", "INFO", "--log-format", "json", "crawl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    (summary,) = [e for e in lines if e.get("event") == "source-summary"]
    assert summary["source"] == "fixture"
    assert summary["counts"]["new"] == 24
    assert summary["counts"]["skipped_robots"] == 1
    assert any(e.get("url", "").endswith("1002.html") and "robots" in e["message"] for e in lines)


def test_progress_line_on_a_terminal(
    tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _home(tmp_path, news_site.source_toml())
    assert main([*args, "crawl", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "\r[0/1 sources]" in err
    stream = io.StringIO()
    bar = TerminalProgress(stream, 2, rate=1000)
    report = SourceReport(fetched=3, new=2, failed=1)
    bar.update("a", report, "http://h/x")
    bar.source_done("a", report)
    bar.close()
    text = stream.getvalue()
    assert "[0/2 sources] 3 fetched · 2 new · 1 failed · a: http://h/x" in text
    assert "[1/2 sources]" in text
    assert text.endswith("\r")


def test_disabled_source_is_crawled_only_when_named(
    tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _home(tmp_path, news_site.source_toml(enabled=False))
    assert main([*args, "crawl"]) == 0
    assert news_site.hits == {}
    assert main([*args, "crawl", "--source", "fixture"]) == 0
    assert news_site.hits
    assert main([*args, "sources", "list"]) == 0
    assert "[unverified, disabled]" in capsys.readouterr().out


def test_sources_check_validates_without_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _home(
        tmp_path,
        '[[source]]\nid = "a"\nname = "Sở A"\ndepartment = "Sở A"\njurisdiction = "Tỉnh A"\n'
        'homepage = "https://a.gov.vn/"\nlistings = ["https://a.gov.vn/tin-tuc"]\narticle_pattern = "x"\n'
        'recheck_after = "3d"\n',
    )
    assert main([*args, "sources", "check"]) == 0
    assert "1 source(s), valid (1 not verified" in capsys.readouterr().out
    (tmp_path / "sources.toml").write_text(
        (tmp_path / "sources.toml").read_text() + 'feeds = ["ftp://x"]\n', encoding="utf-8"
    )
    assert main([*args, "sources", "check"]) == 2
    assert "key feeds" in capsys.readouterr().err


def test_sources_check_probe(tmp_path: Path, news_site: NewsSite, capsys: pytest.CaptureFixture[str]) -> None:
    news_site.robots = "User-agent: *\nCrawl-delay: 0\nSitemap: " + news_site.url + "/sitemap.xml\n"
    good = news_site.source_toml(
        "good", feeds=[news_site.url + "/rss.xml"], sitemaps=[news_site.url + "/sitemap.xml"]
    )
    bad_pattern = news_site.source_toml("badpattern").replace(NewsSite.ARTICLE_PATTERN, "^/bai-viet/")
    moved = news_site.source_toml("moved").replace("/tin-tuc", "/nowhere")
    down = news_site.source_toml("down").replace(news_site.url, "http://127.0.0.1:9")
    args = _home(tmp_path, good + bad_pattern + moved + down)
    assert main([*args, "sources", "check", "--probe"]) == 1
    out = capsys.readouterr().out
    assert "PASS good (you may set verified = true)" in out
    assert "FAIL badpattern" in out
    assert "no link matches article_pattern '^/bai-viet/' (" in out  # with a hint about article-like links
    assert "FAIL moved" in out
    assert "/nowhere: HTTP 404" in out
    assert "FAIL down" in out
    assert "connection error" in out
    assert "(site down, moved, or no network from here?)" in out
    assert "rss, 10 of 10 entries are articles" in out
    assert "sitemap index of 1 sitemap(s)" in out
    assert "sitemaps: " + news_site.url + "/sitemap.xml" in out
    assert "probe: 1 passed, 3 failed: badpattern, moved, down" in out
    assert main([*args, "sources", "check", "--probe", "--source", "good"]) == 0


def test_the_starter_registry(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "sources.toml"
    registry = load_sources(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert len(registry.sources) >= 15
    assert all(table.get("verified") is False for table in raw["source"])  # explicit, every entry
    assert path.read_text(encoding="utf-8").startswith("#")
    kinds = {s.jurisdiction_kind for s in registry.sources.values()}
    assert kinds == {"province", "ministry"}
    # The 2025 mergers are recorded: the old Sở TTTT sites are kept, disabled, pointing to their successor.
    merged = [s for s in registry.sources.values() if s.department == "Sở Thông tin và Truyền thông"]
    assert merged
    assert all(not s.enabled and s.notes and "Sở Khoa học và Công nghệ" in s.notes for s in merged)
    assert main(["--sources", str(path), "sources", "check"]) == 0
    assert "valid" in capsys.readouterr().out
