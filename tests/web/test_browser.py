"""The web pages in a real headless Chromium (Debian's package, driven by Playwright; nothing downloaded).

The application runs in a real uvicorn server on loopback over a crawled archive that includes a hostile
record (see ``webarchive.py``). The tests search, filter, open a record and its archived copy, check that
no script of a captured page ever runs (a control test proves the detectors see script that does run),
check keyboard focus, colour contrast, labels and phone width, and save screenshots under
``test-output/web/``.

Without Chromium the tests skip: ``apt-get install chromium`` (``.ci/run`` does it on CI), or point
``DEPTNEWS_CHROMIUM`` at a Chromium binary.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from liveserver import LiveServer
from webarchive import PWNED, WebArchive, hostile_page, shared_web_archive

from api.app import create_app

pytestmark = pytest.mark.browser

INSTALL_HINT = "install it with `apt-get install chromium` (the CI script .ci/run does this)"
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed (pip install playwright; it drives the system "
    f"Chromium, no browser download): {INSTALL_HINT}",
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"
# Records every message posted to the top page: a captured page's script would post one.
MESSAGE_SPY = (
    "window.__messages = [];"
    "window.addEventListener('message', function (e) { window.__messages.push(String(e.data)); });"
)


def chromium_path() -> str:
    path = os.environ.get("DEPTNEWS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not Path(path).exists():
        pytest.skip(f"no Chromium for the browser tests: {INSTALL_HINT}")
    return path


@dataclass
class Spy:
    """What pages did that only running script could do: dialogs, console output, requests that
    actually reached the watch server."""

    watch_origin: str
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    reached_watch: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.console.append(m.text))
        page.on(
            "requestfinished",
            lambda r: self.reached_watch.append(r.url) if r.url.startswith(self.watch_origin) else None,
        )

    def script_ran(self) -> list[str]:
        return self.dialogs + [m for m in self.console if m.startswith(PWNED)] + self.reached_watch


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    return shared_web_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def server(archive: WebArchive) -> Iterator[LiveServer]:
    with LiveServer(create_app(archive.home)) as live:
        yield live


@dataclass
class Chromium:
    playwright: Any
    executable: str

    def launch(self, user_dir: Path, **options: Any) -> Any:
        """A browser with an empty profile in ``user_dir`` (Playwright's persistent context)."""
        context = self.playwright.chromium.launch_persistent_context(
            str(user_dir),
            executable_path=self.executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=DESKTOP,
            locale="vi-VN",
            **options,
        )
        context.set_default_timeout(15_000)
        return context


@pytest.fixture(scope="module", autouse=True)
def chromium_executable() -> str:
    """The Chromium binary; autouse, so the tests skip before anything is built when there is none."""
    return chromium_path()


@pytest.fixture(scope="module")
def chromium(chromium_executable: str, archive: WebArchive, server: LiveServer) -> Iterator[Chromium]:
    # Playwright's sync API runs an event loop in this thread until it stops, so the archive (whose
    # crawl uses asyncio.run) and the server are set up first.
    executable = chromium_executable
    with sync_api.sync_playwright() as playwright:
        yield Chromium(playwright, executable)


@pytest.fixture(scope="module")
def browser(chromium: Chromium, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    context = chromium.launch(tmp_path_factory.mktemp("chromium-profile"))
    context.add_init_script(MESSAGE_SPY)
    yield context
    context.close()


@pytest.fixture
def spy(archive: WebArchive) -> Spy:
    archive.watch.taken()  # forget what earlier tests did
    return Spy(watch_origin=archive.watch.url)


@pytest.fixture
def page(browser: Any, spy: Spy) -> Iterator[Any]:
    page = browser.new_page()
    spy.attach(page)
    yield page
    page.close()


def shoot(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width; at phone width nothing may scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name}: {overflow}px wider than a 360px phone"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def assert_nothing_ran(page: Any, spy: Spy, archive: WebArchive, *, settle: float = 1.5) -> None:
    """Wait past the captured page's 1 s meta refresh, then check every trace script would leave."""
    time.sleep(settle)
    assert spy.script_ran() == []
    assert archive.watch.taken() == []
    for frame in page.frames:
        if frame.url.startswith("chrome-error://"):
            continue  # a frame the capture's policy refused to load
        assert PWNED not in frame.evaluate("document.title"), frame.url
        assert frame.evaluate("document.body ? document.body.getAttribute('data-pwned') : null") is None
    assert page.evaluate("window.__messages || []") == []


def test_detectors_catch_script_that_does_run(page: Any, spy: Spy, archive: WebArchive) -> None:
    # Control: the same hostile page served plainly runs its script, and every detector notices.
    archive.watch.pages["/control"] = hostile_page(archive.watch.url, 1)
    page.goto(f"{archive.watch.url}/control")
    time.sleep(1.5)
    assert spy.dialogs == [PWNED]
    assert any(m.startswith(PWNED) for m in spy.console)
    assert PWNED in page.title()
    assert page.evaluate("document.body.getAttribute('data-pwned')") == "1"
    assert page.evaluate("window.__messages") == [f"{PWNED} message"]
    hits = set(archive.watch.taken())
    attempts = ("fetch", "image-js", "onerror", "onload", "focus", "refresh", "image", "style.css", "iframe")
    assert {f"/capture-{name}" for name in attempts} | {"/capture-external.js"} <= hits


def test_search_filter_record_and_archived_copy(
    page: Any, spy: Spy, archive: WebArchive, server: LiveServer, browser: Any
) -> None:
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("ol.hits > li").count() == 20
    shoot(page, "search-newest")

    # Search typed without diacritics; the enhanced form submits a clean URL.
    page.get_by_label("Tìm trong kho tin").fill("hoi nghi giao ban")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=hoi"))
    assert query_of(page.url) == {"q": ["hoi nghi giao ban"]}
    first = page.locator("ol.hits > li").first
    assert "Hội nghị giao ban" in first.locator("h3").inner_text()
    marks = page.locator("ol.hits mark")
    assert marks.count() >= 3
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 228, 107)"
    shoot(page, "search-results")

    # Click a facet: the filter is applied, shown as a chip, and every hit is from that source.
    total_before = page.locator("ol.hits > li").count()
    page.locator("aside.facets a", has_text="Sở Thông tin và Truyền thông tỉnh Lạng Sơn").click()
    page.wait_for_url(re.compile(r"source=demo-stttt"))
    assert query_of(page.url) == {"q": ["hoi nghi giao ban"], "source": ["demo-stttt"]}
    hits = page.locator("ol.hits > li")
    assert 0 < hits.count() < total_before
    for text in hits.locator(".meta").all_inner_texts():
        assert "Sở Thông tin và Truyền thông tỉnh Lạng Sơn (demo)" in text
    assert page.locator("a.chip").count() == 1
    assert page.locator("#f-source").input_value() == "demo-stttt"

    # The filter form (a disclosure, closed until opened): a date range keeps the query and the source.
    assert page.locator("#f-date_from").is_hidden()
    page.get_by_text("Bộ lọc và sắp xếp").click()
    page.locator("#f-date_from").fill("2010-01-01")
    page.locator("#f-date_to").fill("2010-12-31")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    page.wait_for_url(re.compile(r"date_to=2010-12-31"))
    assert query_of(page.url) == {
        "q": ["hoi nghi giao ban"],
        "source": ["demo-stttt"],
        "date_from": ["2010-01-01"],
        "date_to": ["2010-12-31"],
    }
    assert page.locator("ol.hits > li").count() == 1
    shoot(page, "search-filtered")

    # Open the record.
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_url(re.compile(rf"/records/{archive.seed_id}$"))
    assert "Hội nghị giao ban" in page.locator("h1").inner_text()
    assert page.locator("#cite-text").inner_text().endswith(f"/records/{archive.seed_id}?version=1")
    # Progressive enhancement: loopback is a secure context, so the copy button appears and works.
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page.get_by_role("button", name="Sao chép trích dẫn").click()
    sync_api.expect(page.locator("button[data-copy]")).to_have_text("Đã sao chép")
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#cite-text").inner_text()
    frame_element = page.locator("section.archive iframe")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    assert "/capture?version=1" in frame.url
    assert "Hoàng Văn Đồng" in frame.locator("body").inner_text()
    shoot(page, "record")

    # Open the archived copy in its own tab: served under its own sandbox policy.
    with browser.expect_page() as opened:
        page.get_by_role("link", name="Mở bản lưu trong thẻ mới").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert "/capture?version=1" in tab.url
    assert "Hoàng Văn Đồng" in tab.locator("body").inner_text()
    tab.close()
    assert_nothing_ran(page, spy, archive, settle=0)


def test_a_hostile_capture_never_runs(page: Any, spy: Spy, archive: WebArchive, server: LiveServer) -> None:
    rid = archive.hostile_id
    page.goto(f"{server.url}/records/{rid}")
    # Scraped markup is shown as text: the title really contains the characters "<script>".
    assert page.locator("h1").inner_text().startswith("Kiểm thử bảo mật <script>fetch(")
    assert page.title().startswith("Kiểm thử bảo mật <script>")
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert "Tệp <b>độc</b>" in page.locator("ul.files").first.inner_text()
    capture = page.frame(url=re.compile(r"/capture\?version=2$"))
    assert capture is not None
    capture.wait_for_load_state()
    assert capture.evaluate("document.title") == "Trang gốc 2"
    assert "Kiểm thử bảo mật, phiên bản 2" in capture.locator("h1").inner_text()
    assert_nothing_ran(page, spy, archive)
    shoot(page, "record-hostile")
    page.locator("section.archive iframe").screenshot(path=str(SHOTS / "record-hostile-frame.png"))

    # An older version, the diff between them, the search hit, and the capture opened on its own.
    for url in (
        f"/records/{rid}?version=1",
        f"/records/{rid}/diff?from=1&to=2",
        "/?q=kiem+thu+bao+mat",
        f"/api/v1/records/{rid}/capture?version=1",
    ):
        page.goto(server.url + url)
        assert_nothing_ran(page, spy, archive)
    assert page.title() == "Trang gốc 1"
    page.goto(f"{server.url}/records/{rid}/diff?from=1&to=2")
    assert page.locator(".diff .add").count() >= 1
    assert page.locator(".diff .del").count() >= 1
    shoot(page, "diff")


def test_works_without_javascript(
    chromium: Chromium, tmp_path_factory: pytest.TempPathFactory, server: LiveServer
) -> None:
    context = chromium.launch(tmp_path_factory.mktemp("chromium-nojs"), java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_label("Tìm trong kho tin").fill("chuyen doi so")
        page.get_by_role("button", name="Tìm", exact=True).click()
        # The browser sends every field; the server redirects to the clean, shareable URL.
        page.wait_for_url(re.compile(r"q=chuyen"))
        assert query_of(page.url) == {"q": ["chuyen doi so"], "size": ["20"]}
        assert page.locator("ol.hits mark").count() >= 1
        page.locator("aside.facets a", has_text="Sở Khoa học và Công nghệ tỉnh Bắc Ninh").click()
        page.wait_for_url(re.compile(r"source=demo-skhcn"))
        page.locator("ol.hits h3 a").first.click()
        page.wait_for_url(re.compile(r"/records/[0-9a-f]{16}$"))
        assert page.locator("section.archive iframe").get_attribute("sandbox") == ""
        assert page.locator("button[data-copy]").is_hidden()  # needs script: hidden, not broken
        page.get_by_role("link", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Cite this record").is_visible()
        shoot(page, "record-nojs-en")
    finally:
        context.close()


def folded(text: str) -> str:
    """``text`` without Vietnamese marks, lower case (as the query "hoi nghi" matches it)."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))


def api_json(page: Any, server: LiveServer, path: str, params: dict[str, str]) -> Any:
    """What the API answers, fetched by the browser's own request context."""
    response = page.request.get(server.url + path, params=params)
    assert response.ok
    return response.json()


def test_download_the_results_and_follow_the_search(page: Any, server: LiveServer) -> None:
    search = {"q": "hoi nghi", "source": "demo-stttt", "sort": "oldest"}
    page.goto(server.url + "/?q=hoi+nghi&source=demo-stttt&sort=oldest&size=3")
    expected = [
        hit["id"] for hit in api_json(page, server, "/api/v1/search", {**search, "size": "100"})["hits"]
    ]
    assert len(expected) > page.locator("ol.hits > li").count()  # the download has more than the page

    # Each link downloads a file (not a page to look at) with every result of this search, in order.
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV (mở bằng bảng tính)").click()
    assert csv_download.value.suggested_filename == "deptnews-export.csv"
    downloaded = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")  # with its BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(downloaded)))
    assert [row["id"] for row in rows] == expected
    assert {row["source"] for row in rows} == {"demo-stttt"}
    assert all({"hoi", "nghi"} <= set(folded(" ".join(row.values())).split()) for row in rows)
    with page.expect_download() as jsonl_download:
        page.get_by_role("link", name="JSONL (cho lập trình, đủ mọi trường)").click()
    assert jsonl_download.value.suggested_filename == "deptnews-export.jsonl"
    lines = Path(jsonl_download.value.path()).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == expected

    # A feed reader finds the feed in the head; the visible link is the same feed.
    alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.count() == 1
    assert alternate.get_attribute("title") == "deptnews – tìm kiếm “hoi nghi”"
    feed_url = alternate.evaluate("link => link.href")  # resolved against the page, as a reader does
    assert feed_url.startswith(server.url + "/api/v1/search.atom?")
    visible = page.get_by_role("link", name="Theo dõi tìm kiếm này (nguồn cấp Atom)")
    assert visible.evaluate("a => a.href") == feed_url
    feed = page.request.get(feed_url)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")
    assert sorted(e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in entries) == sorted(
        row["title"] for row in rows
    )


def test_the_timeline_chart_and_its_bars(page: Any, server: LiveServer, spy: Spy) -> None:
    page.goto(server.url + "/?q=hoi+nghi")
    chart = page.locator("svg.chart")
    assert chart.get_attribute("role") == "img"
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 80
    years = api_json(page, server, "/api/v1/timeline", {"q": "hoi nghi", "interval": "year"})["buckets"]
    bars = page.locator("svg.chart a.bar")
    assert bars.count() == len(years) > 3
    # Styled from web.css under the strict policy: the bars take the accent colour, nothing is refused.
    fill = page.locator("svg.chart .fill").first.evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(10, 74, 148)"
    assert not [m for m in spy.console if "Content Security Policy" in m]
    # The numbers as a table, out of sight until keyboard focus enters it.
    table = page.locator(".reveal-on-focus")
    assert table.bounding_box()["width"] <= 1
    page.locator("table.chart-data a").first.focus()
    assert table.bounding_box()["width"] > 100
    page.locator("table.chart-data a").first.blur()
    assert table.bounding_box()["width"] <= 1
    shoot(page, "search-timeline")
    chart.screenshot(path=str(SHOTS / "search-timeline-chart.png"))
    page.set_viewport_size(PHONE)
    chart.screenshot(path=str(SHOTS / "search-timeline-chart-phone.png"))
    page.set_viewport_size(DESKTOP)

    # Clicking the tallest bar narrows the search to its year; that year is then shown by month.
    peak = max(range(len(years)), key=lambda i: years[i]["count"])
    bars.nth(peak).click()
    page.wait_for_url(re.compile(r"year="))
    assert query_of(page.url) == {"q": ["hoi nghi"], "year": [years[peak]["period"]]}
    assert page.locator("ol.hits > li").count() == years[peak]["count"] > 1
    assert page.locator("a.chip", has_text=years[peak]["period"]).count() == 1
    assert page.locator("svg.chart title").first.text_content() == "Số kết quả theo tháng"
    months = page.locator("svg.chart a.bar")
    assert months.count() >= 1
    page.locator("svg.chart").screenshot(path=str(SHOTS / "search-timeline-months-chart.png"))
    months.first.click()
    page.wait_for_url(re.compile(r"month="))
    assert query_of(page.url)["month"][0].startswith(years[peak]["period"] + "-")
    assert page.locator("ol.hits > li").count() >= 1
    shoot(page, "search-timeline-month")


def test_chart_and_ways_out_work_without_javascript(
    chromium: Chromium, tmp_path_factory: pytest.TempPathFactory, server: LiveServer
) -> None:
    context = chromium.launch(tmp_path_factory.mktemp("chromium-nojs-chart"), java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/?q=hoi+nghi&lang=en")
        assert page.locator("svg.chart a.bar").count() > 3  # drawn by the server, not by script
        assert page.locator("svg.chart desc").text_content().startswith("Dated results: ")
        assert (
            page.get_by_role("link", name="CSV (for spreadsheets)")
            .get_attribute("href")
            .startswith("/api/v1/export?format=csv&q=hoi+nghi")
        )
        assert (
            page.locator('head link[rel="alternate"]').get_attribute("href")
            == "/api/v1/search.atom?q=hoi+nghi"
        )
        shoot(page, "search-timeline-nojs-en")
        page.locator("svg.chart a.bar").last.click()
        page.wait_for_url(re.compile(r"year="))
        assert query_of(page.url)["lang"] == ["en"]
        assert page.locator("ol.hits > li").count() >= 1
        with page.expect_download() as download:
            page.get_by_role("link", name="JSONL (for programs, every field)").click()
        lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert len(lines) == page.locator("ol.hits > li").count()
    finally:
        context.close()


CONTRAST = """
(selectors) => {
  function rgb(text) { return text.match(/[\\d.]+/g).map(Number); }
  function lum(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  }
  const out = {};
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) { out[sel] = null; continue; }
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
}
"""
UNLABELLED = """
() => Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
  .filter(e => e.labels.length === 0 && !e.getAttribute("aria-label")).map(e => e.outerHTML)
"""


def test_keyboard_focus_contrast_and_labels(
    page: Any, archive: WebArchive, server: LiveServer, spy: Spy
) -> None:
    page.goto(server.url + "/?q=hoi+nghi&source=demo-stttt")
    # The first Tab reaches the skip link, which becomes visible and moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    outline = skip.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert outline == ["solid", "3px"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").evaluate("e => getComputedStyle(e).outlineStyle") == "solid"

    selectors = [
        "body",
        "main p.help",
        ".hit h3 a",
        ".hit .meta",
        "mark",
        "button[type=submit]",
        "a.chip",
        ".facet .n",
        "header.site a.brand",
        "header.site nav a",
        "footer.site p",
        "summary",
        "label",
    ]
    ratios = page.evaluate(CONTRAST, selectors)
    assert all(ratios[s] is not None for s in selectors), ratios
    assert all(ratios[s] >= 4.5 for s in selectors), ratios  # WCAG AA for normal text
    assert page.evaluate(UNLABELLED) == []

    page.goto(f"{server.url}/records/{archive.hostile_id}/diff?from=1&to=2")
    diff_ratios = page.evaluate(CONTRAST, [".diff .add", ".diff .del", ".diff .hunk", ".kicker", ".tag"])
    assert all(r is not None and r >= 4.5 for r in diff_ratios.values()), diff_ratios
    assert page.evaluate(UNLABELLED) == []
    page.goto(f"{server.url}/records/{archive.hostile_id}")
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("iframe").get_attribute("title")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("sources", "/sources"),
        ("sources-en", "/sources?lang=en"),
        ("error-404", "/records/0000000000000000"),
        ("error-400", "/?size=abc&q=hoi+nghi"),
        ("search-empty-en", "/?q=xyzzyquux&lang=en"),
        ("search-page-2", "/?q=tin&size=5&offset=5"),
    ],
)
def test_pages_at_desktop_and_phone_width(page: Any, server: LiveServer, name: str, path: str) -> None:
    response = page.goto(server.url + path)
    assert response is not None
    assert response.status in (200, 400, 404)
    assert page.locator("h1").count() == 1
    shoot(page, name)


def test_the_api_reference_is_styled_under_its_own_policy(page: Any, spy: Spy, server: LiveServer) -> None:
    # /docs has a policy of its own (its one inline style sheet, by hash): the browser applies the
    # sheet and reports no violation.
    response = page.goto(server.url + "/docs")
    assert response is not None
    assert response.status == 200
    assert "style-src 'sha256-" in response.headers["content-security-policy"]
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
    assert page.locator("h2").count() > 5
    assert not [m for m in spy.console if "Content Security Policy" in m]
