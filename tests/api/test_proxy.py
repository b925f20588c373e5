"""Behind a reverse proxy: the client a trusted proxy names is the client, for the rate limiter too.

A real uvicorn server on loopback, configured as ``deptnews serve`` runs it; the test client is the
"proxy" (it connects from 127.0.0.1) and sends the headers a proxy would.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from conftest import sample_home
from liveserver import LiveServer
from pydantic import ValidationError

from api.app import create_app
from api.settings import ApiSettings
from deptnews.settings import Settings


def _statuses(home_root: Path, trusted: str, clients: list[str]) -> list[int]:
    """Status of one search per entry of ``clients`` (each sent as X-Forwarded-For), one allowed per
    client address before the limit."""
    settings = ApiSettings(rate_limit=0.001, rate_burst=1, forwarded_allow_ips=trusted)
    app = create_app(sample_home(home_root), settings=settings)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=20) as http:
        return [
            http.get("/api/v1/search", headers={"X-Forwarded-For": client}).status_code for client in clients
        ]


def test_a_trusted_proxy_s_clients_get_their_own_buckets(tmp_path: Path) -> None:
    clients = ["203.0.113.1", "203.0.113.2", "203.0.113.1", "198.51.100.7, 203.0.113.2"]
    assert _statuses(tmp_path, "127.0.0.1", clients) == [200, 200, 429, 429]


def test_an_untrusted_peer_s_headers_are_ignored(tmp_path: Path) -> None:
    # All requests come from 127.0.0.1, not trusted here: one bucket, whatever the header says.
    assert _statuses(tmp_path, "10.0.0.0/8", ["203.0.113.1", "203.0.113.2"]) == [200, 429]
    assert _statuses(tmp_path / "none", "", ["203.0.113.1", "203.0.113.2"]) == [200, 429]


def test_a_trusted_proxy_s_scheme_and_client_are_used_in_links_and_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(sample_home(tmp_path))  # by default, loopback is a trusted proxy
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Request-ID": "proxied"}
    with (
        caplog.at_level(logging.INFO, logger="deptnews.api"),
        LiveServer(app) as server,
        httpx.Client(base_url=server.url, timeout=20) as http,
    ):
        body = http.get("/api/v1/search", params={"q": "hoi nghi"}, headers=headers)
    assert body.json()["hits"][0]["links"]["self"].startswith("https://")
    assert any("request_id=proxied client=203.0.113.9 status=200" in m for m in caplog.messages)


def test_the_default_trusts_loopback_like_uvicorn() -> None:
    assert ApiSettings().forwarded_allow_ips == "127.0.0.1,::1"


@pytest.mark.parametrize("value", ["10.0.0.1/8", "proxy.local", "*,10.0.0.1", "127.0.0.1;10.0.0.2"])
def test_a_malformed_trusted_list_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        ApiSettings(forwarded_allow_ips=value)


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPTNEWS_API__FORWARDED_ALLOW_IPS", " 10.0.0.0/8 , 192.0.2.1 ")
    assert Settings().api.forwarded_allow_ips == "10.0.0.0/8,192.0.2.1"


def test_serve_passes_the_trusted_proxies_to_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    from deptnews.cli import main

    # serve() fills the environment its workers build their settings from; restore it afterwards.
    for name in ("DEPTNEWS_HOME", "DEPTNEWS_SOURCES", "DEPTNEWS_API__FORWARDED_ALLOW_IPS"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    home = ["--home", str(tmp_path)]
    assert main([*home, "serve", "--forwarded-allow-ips", "proxy.local"]) == 2
    assert "not an IP address or network: 'proxy.local'" in capsys.readouterr().err
    assert started == []
    assert main([*home, "serve", "--port", "0", "--forwarded-allow-ips", "10.1.0.0/16"]) == 0
    assert started[0]["proxy_headers"] is False  # the application reads them, by its settings
    assert started[0]["access_log"] is False  # the application logs each request itself
    assert Settings().api.forwarded_allow_ips == "10.1.0.0/16"
