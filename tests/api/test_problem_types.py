"""Problem ``type`` URIs resolve: ``/problems/<slug>`` describes each type (HTML for browsers, JSON or
text for programs), and every slug the code can answer with is in the one list, ``PROBLEM_TYPES``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import sample_home
from starlette.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM_TYPES
from api.routes.problem_types import negotiate

API = Path(__file__).resolve().parents[2] / "api"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("problems"))
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def _raised_slugs() -> set[tuple[str, int | None]]:
    """(slug, status) of every ``Problem(...)`` / ``problem_response(...)`` with a literal slug in api/."""
    found: set[tuple[str, int | None]] = set()
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            status, slug = node.args[0], node.args[1]
            if name in ("Problem", "problem_response") and isinstance(slug, ast.Constant):
                code = status.value if isinstance(status, ast.Constant) else None
                found.add((str(slug.value), code))
    return found


def test_every_slug_the_code_uses_is_a_registered_type_with_its_status() -> None:
    used = _raised_slugs()
    assert len(used) >= 10  # the scan sees the calls
    for slug, status in used:
        assert slug in PROBLEM_TYPES, slug
        assert status in (None, PROBLEM_TYPES[slug].status), (slug, status)


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_each_type_is_a_page_for_people_and_programs(client: TestClient, slug: str) -> None:
    known = PROBLEM_TYPES[slug]
    as_json = client.get(f"/problems/{slug}", headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.headers["vary"] == "Accept"
    assert as_json.json() == {
        "type": f"/problems/{slug}",
        "slug": slug,
        "title": known.title,
        "status": known.status,
        "description": known.description,
        "url": f"http://testserver/problems/{slug}",
    }
    page = client.get(f"/problems/{slug}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert f"<h1>{known.title}</h1>" in page.text
    text = client.get(f"/problems/{slug}", headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith(f"{known.title} (HTTP {known.status}")
    assert client.get(f"/problems/{slug}").headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?size=0",
        "/api/v1/search?q=-%20OR",
        "/api/v1/records/0000000000000000",
        "/api/v1/sources/nope",
        "/api/v1/nope",
        "/problems/nope",
    ],
)
def test_the_type_of_a_real_problem_resolves_to_its_description(client: TestClient, path: str) -> None:
    problem = client.get(path).json()
    # RFC 9457: a relative type is resolved against the document's URL, as a client does.
    described = client.get(urljoin(f"http://testserver{path}", problem["type"])).json()
    assert (described["type"], described["title"]) == (problem["type"], problem["title"])


def test_the_list_of_types(client: TestClient) -> None:
    listed = client.get("/problems/").json()["problem_types"]
    assert [t["slug"] for t in listed] == list(PROBLEM_TYPES)
    page = client.get("/problems/", headers={"Accept": "text/html"})
    assert all(f"/problems/{slug}" in page.text for slug in PROBLEM_TYPES)
    assert "<script" not in page.text


def test_descriptions_are_escaped_in_the_page(client: TestClient) -> None:
    # Jinja autoescaping: the descriptions quote markup-like text ('- OR') and must stay text.
    page = client.get("/problems/invalid-query", headers={"Accept": "text/html"}).text
    assert "&#39;- OR&#39;" in page


@pytest.mark.parametrize(
    ("accept", "offer"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("text/plain", "text/plain"),
        ("text/*", "text/plain"),
        ("application/problem+json", "application/json"),
        ("text/html;q=0.5, application/json", "application/json"),
        ("text/html;q=0", "application/json"),
        ("text/html;q=abc, text/plain;q=0.1", "text/plain"),
        ("image/png", "application/json"),
    ],
)
def test_negotiate(accept: str | None, offer: str) -> None:
    assert negotiate(accept) == offer
