"""Security headers on every response: no type sniffing, and a content policy that suits what is served."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from conftest import SAMPLE_RECORDS, sample_home
from starlette.testclient import TestClient

from api.app import create_app
from index.errors import SearchError

API_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("headers"))
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=hoi+nghi",
        f"/api/v1/records/{SAMPLE_RECORDS[0].id}",
        "/api/v1/records/0000000000000000",  # a problem document
        "/api/v1/search?size=0",
        "/api/v1/export?format=csv",
        "/api/v1/search.atom",
        "/openapi.json",
        "/healthz",
        "/readyz",
        "/dumps/",
        "/no/such/path",
    ],
)
def test_data_responses_may_not_be_sniffed_run_or_framed(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == API_CSP


def test_an_unexpected_error_has_them_too(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A 500 is answered by Starlette's outermost middleware, outside the app's own.
    app = create_app(sample_home(tmp_path_factory.mktemp("broken")))

    class Broken:
        def search(self, request: object) -> None:
            raise RuntimeError("boom")

        def close(self) -> None:
            pass

    app.state.deptnews.search = Broken()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == API_CSP
    assert not issubclass(RuntimeError, SearchError)  # what makes it unexpected


def test_docs_allow_their_own_style_sheet_and_nothing_else(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in csp
    styles = re.findall(r"<style>(.*?)</style>", response.text, re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert "<script" not in response.text
    assert " style=" not in response.text  # an inline style attribute would be refused


def test_pages_keep_their_own_policy(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"})
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
