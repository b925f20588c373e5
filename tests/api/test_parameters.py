"""The published schema of every parameter and what the server accepts are the same thing.

Each parameter is defined once (:mod:`api.parameters`); these tests hold the OpenAPI schema derived from
it against the reading derived from it, value by value (property-based, with the fuzzer's findings as
explicit examples), and check over HTTP that every endpoint reads each of its parameters by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SAMPLE_RECORDS, sample_home
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from api.app import create_app
from api.openapi import ENDPOINTS, openapi_document
from api.parameters import MAX_CURSOR, PARAMETERS, Param, query_value
from api.problems import Problem
from index import cursor as index_cursor

jsonschema_rs = pytest.importorskip("jsonschema_rs")  # installed with schemathesis (dev extra)

_DECIMAL = re.compile(r"-?[0-9]+")


def schema_accepts(param: Param, raw: str) -> bool:
    """Whether the parameter's OpenAPI schema admits ``raw`` as sent in a URL (an integer parameter
    is sent as its decimal digits, as OpenAPI clients and schemathesis serialize it)."""
    instance: Any = int(raw) if param.kind == "integer" and _DECIMAL.fullmatch(raw) else raw
    validator = jsonschema_rs.validator_for(param.schema(), validate_formats=True)
    return bool(validator.is_valid(instance))


def server_accepts(param: Param, raw: str) -> bool:
    """Whether the server reads ``raw`` (a refusal must be the 400 problem naming the parameter)."""
    refusal: Problem | None = None
    try:
        if param.location == "query":
            query_value({param.name: raw}, param.name)
        else:
            param.read(raw)
    except Problem as exc:
        refusal = exc
    if refusal is None:
        return True
    assert (refusal.status, refusal.extra["parameter"]) == (400, param.name)
    return False


def _near(param: Param) -> st.SearchStrategy[str]:
    """Values at and around what the parameter takes."""
    parts: list[st.SearchStrategy[str]] = [st.text(max_size=20), st.just("")]
    if param.kind == "integer":
        parts.append(st.integers(min_value=-5, max_value=(param.maximum or 10) + 5).map(str))
        parts.append(st.sampled_from(["1.0", " 1", "1 ", "+1", "0x1", "1e2", "١", "9" * 40]))
    if param.kind == "date":
        parts.append(st.dates().map(lambda d: d.isoformat()))
        parts.append(
            st.sampled_from(["2020-02-30", "20200101", "2020-W01-1", "2020-01-01\n", "２０２０-01-01"])
        )
    if param.enum:
        parts.append(st.sampled_from(param.enum))
        parts.append(st.sampled_from(param.enum).map(lambda v: f" {v}"))
    if param.pattern:
        parts.append(st.from_regex(param.pattern, fullmatch=True))
        parts.append(st.from_regex(param.pattern, fullmatch=True).map(lambda v: v + "\n"))
    if param.max_length:
        edge = st.integers(param.max_length - 1, param.max_length + 1)
        parts.append(st.builds(lambda n, c: c * n, edge, st.characters(codec="utf-8")))
    return st.one_of(parts)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(PARAMETERS)))
    return name, draw(_near(PARAMETERS[name]))


@given(_cases())
@example(("q", "Z" + "\x1c" * 1000))  # the fuzzer's find: stripped, it fitted; as sent, it is too long
@example(("q", " " * 1001))
@example(("version", ""))  # empty is "not given", which the schema admits
@example(("version", "1" + "0" * 30))
@example(("date_from", "20200101"))  # Python reads ISO 8601 basic format; the schema does not
@example(("year", "2024\n"))  # Python's "$" matches before a final newline
@example(("facets", " source"))
@example(("cursor", "a" * (MAX_CURSOR + 1)))
def test_schema_and_server_agree_on_every_value(case: tuple[str, str]) -> None:
    name, raw = case
    param = PARAMETERS[name]
    assert schema_accepts(param, raw) == server_accepts(param, raw), (name, raw)


def test_the_document_shows_the_definitions() -> None:
    document = openapi_document("http://testserver")
    for endpoint in ENDPOINTS:
        listed = document["paths"][endpoint.path]["get"]["parameters"]
        assert [p["schema"] for p in listed] == [PARAMETERS[n].schema() for n in endpoint.params]
    q = next(p for p in document["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "q")
    assert q["schema"] == {"type": "string", "maxLength": 1000}


def test_cursor_bound_is_the_index_s() -> None:
    assert index_cursor._MAX_LEN == MAX_CURSOR


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("params"))
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def _refused(param: Param) -> str:
    """A value the parameter's schema refuses."""
    if param.kind == "integer":
        return str((param.maximum or 0) + 1)
    if param.kind == "date":
        return "2021-02-29"
    if param.max_length:
        return "Z" + "\x1c" * param.max_length
    return "no such value!"


QUERY_CASES = [
    (endpoint.path, name)
    for endpoint in ENDPOINTS
    for name in endpoint.params
    if PARAMETERS[name].location == "query"
]


@pytest.mark.parametrize(("path", "name"), QUERY_CASES)
def test_every_endpoint_reads_each_parameter_by_its_definition(
    client: TestClient, path: str, name: str
) -> None:
    url = path.replace("{record_id}", SAMPLE_RECORDS[0].id)
    response = client.get(url, params={name: _refused(PARAMETERS[name])})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/invalid-parameter"
    assert response.json()["parameter"] == name


@pytest.mark.parametrize(("path", "name"), QUERY_CASES)
def test_an_empty_value_is_not_given(client: TestClient, path: str, name: str) -> None:
    url = path.replace("{record_id}", SAMPLE_RECORDS[0].id)
    response = client.get(url, params={name: ""})
    # 503 from the capture endpoints: the sample records point into WARC files that do not exist.
    assert response.status_code in (200, 503), response.text


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"q": "Z" + "\x1c" * 1000}, "q: at most 1000 characters, got 1001"),
        ({"date_from": "2020-01-02", "date_to": "2020-01-01"}, "date_from is after date_to"),
        ({"cursor": "abc", "offset": "5"}, "offset: page with either offset or cursor, not both"),
        ({"year": "24"}, "year: expected YYYY"),
        ({"size": "30.0"}, "size: expected a whole number"),
    ],
)
def test_refusals_say_why(client: TestClient, params: dict[str, str], detail: str) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_a_version_past_the_last_is_not_found(client: TestClient) -> None:
    base = f"/api/v1/records/{SAMPLE_RECORDS[0].id}"
    for url in (f"{base}/versions/2", f"{base}/capture/meta?version=2", f"{base}/diff?to=2"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["type"] == "/problems/version-not-found"
    assert client.get(f"{base}/versions/100001").status_code == 400
