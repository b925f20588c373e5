"""`deptnews demo` run twice: the second run reuses the sites' ports and the archive, and says so."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from archive.store import RecordStore
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES
from deptnews.demo_run import DEMO_MARKER, registered_ports, run_demo
from deptnews.settings import Settings

ANY_PORT = {site.id: 0 for site in SITES}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def archive_of(settings: Settings) -> tuple[int, list[str]]:
    """(record count, WARC file names) of the data home."""
    home = settings.data_home
    records = sum(1 for _ in RecordStore(home.records_dir))
    return records, sorted(p.name for p in home.warc_dir.iterdir())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "data")


@pytest.fixture
def first_run(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 0
    capsys.readouterr()
    return archive_of(settings)


def test_second_run_is_a_no_op_that_says_so(
    settings: Settings, first_run: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = settings.sources_file.read_text(encoding="utf-8")
    assert first_run[0] == sum(len(site.articles) for site in SITES)
    assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 0
    assert "complete: nothing to crawl" in capsys.readouterr().out
    assert archive_of(settings) == first_run
    assert settings.sources_file.read_text(encoding="utf-8") == registry  # same ports, same URLs


def test_an_interrupted_archive_is_completed_on_the_same_urls(
    settings: Settings, first_run: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    (settings.data_home.root / "demo.json").unlink()  # as if the first run had been killed
    assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 0
    assert "nothing to crawl" not in capsys.readouterr().out
    assert archive_of(settings)[0] == first_run[0]


def test_sites_still_served_by_an_earlier_demo_are_used_as_they_are(
    settings: Settings, first_run: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = settings.sources_file.read_text(encoding="utf-8")
    ports = registered_ports(settings.sources_file)
    (settings.data_home.root / "demo.json").unlink()
    with DemoWeb(ports=ports) as earlier:  # the first demo, still serving
        assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 0
        assert earlier.requests  # the crawl went to the running sites
    assert settings.sources_file.read_text(encoding="utf-8") == registry
    assert archive_of(settings)[0] == first_run[0]


def test_a_site_port_taken_by_another_program_is_refused(
    settings: Settings, first_run: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = settings.sources_file.read_text(encoding="utf-8")
    port = registered_ports(settings.sources_file)[SITES[0].id]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 2
    assert "taken by another program" in capsys.readouterr().err
    assert settings.sources_file.read_text(encoding="utf-8") == registry
    assert archive_of(settings) == first_run


def test_the_api_already_served_is_reported_not_restarted(
    settings: Settings, first_run: tuple[int, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings.data_home), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
        assert run_demo(settings, port=port, serve=True, site_ports=ANY_PORT) == 0
    finally:
        server.should_exit = True
        thread.join()
    assert f"already being served at http://127.0.0.1:{port}/" in capsys.readouterr().out
    assert archive_of(settings) == first_run


def test_a_foreign_registry_is_left_alone(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    settings.data_home.ensure()
    settings.sources_file.write_text("[[source]]\n", encoding="utf-8")
    assert run_demo(settings, port=free_port(), serve=False, site_ports=ANY_PORT) == 2
    assert "not a demo registry" in capsys.readouterr().err
    assert not settings.sources_file.read_text(encoding="utf-8").startswith(DEMO_MARKER)
