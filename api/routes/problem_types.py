"""The problem types as pages: ``/problems/`` lists them and ``/problems/{slug}`` (the ``type`` URI of a
problem document, RFC 9457 section 3.1.1) describes one — HTML for browsers, JSON or plain text for
programs, by the ``Accept`` header (JSON when it allows anything). Everything comes from
:data:`api.problems.PROBLEM_TYPES`."""

from __future__ import annotations

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.models import ProblemTypeOut, ProblemTypesOut
from api.problems import PROBLEM_TYPES, Problem, ProblemType
from api.routes.common import absolute_url, model_response

JSON = "application/json"
TEXT = "text/plain"
HTML = "text/html"
VARY = {"Vary": "Accept"}
OFFERS = (JSON, TEXT, HTML)
"""In order of preference when the client likes them equally (``*/*``, no ``Accept``)."""

_PAGES = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_ONE = _PAGES.from_string(
    "<!doctype html><html lang='en'><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>{{ t.title }} — deptnews API problem</title>"
    "<h1>{{ t.title }}</h1>"
    "<p>HTTP status <strong>{{ t.status }}</strong>; type <code>{{ t.uri }}</code>.</p>"
    "<p>{{ t.description }}</p>"
    "<p>Every error of the API is an <code>application/problem+json</code> document (RFC 9457) whose "
    "<code>type</code> names one of <a href='{{ index }}'>these problem types</a>.</p>"
)
_ALL = _PAGES.from_string(
    "<!doctype html><html lang='en'><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>deptnews API problem types</title><h1>Problem types</h1>"
    "<p>Every error of the API is an <code>application/problem+json</code> document (RFC 9457) whose "
    "<code>type</code> is one of these.</p><dl>"
    "{% for t, url in types %}<dt><a href='{{ url }}'><code>{{ t.uri }}</code></a> ({{ t.status }}) "
    "{{ t.title }}</dt><dd>{{ t.description }}</dd>{% endfor %}</dl>"
)


def _quality(accept: str, offer: str) -> float:
    """The q-value ``accept`` gives ``offer`` (its most specific matching range; 0 if none)."""
    best, specificity = 0.0, -1
    kind = offer.split("/")[0]
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        rank = {offer: 2, f"{kind}/*": 1, "*/*": 0}.get(media)
        if rank is None or rank < specificity:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        best, specificity = q, rank
    return best


def negotiate(accept: str | None) -> str:
    """The offer the client prefers (:data:`OFFERS` order breaks ties); JSON when it accepts none."""
    if not accept:
        return JSON
    scored = [(_quality(accept, offer), -i, offer) for i, offer in enumerate(OFFERS)]
    q, _, offer = max(scored)
    return offer if q > 0 else JSON


def _out(request: Request, problem_type: ProblemType) -> ProblemTypeOut:
    return ProblemTypeOut(
        type=problem_type.uri,
        slug=problem_type.slug,
        title=problem_type.title,
        status=problem_type.status,
        description=problem_type.description,
        url=absolute_url(request, "problem_type", slug=problem_type.slug),
    )


async def problem_types(request: Request) -> Response:
    """Every problem type the API answers with."""
    offer = negotiate(request.headers.get("accept"))
    types = list(PROBLEM_TYPES.values())
    if offer == HTML:
        urls = [absolute_url(request, "problem_type", slug=t.slug) for t in types]
        return HTMLResponse(_ALL.render(types=list(zip(types, urls, strict=True))), headers=VARY)
    if offer == TEXT:
        text = "".join(f"{t.uri} ({t.status}) {t.title}\n    {t.description}\n" for t in types)
        return PlainTextResponse(text, headers=VARY)
    return model_response(ProblemTypesOut(problem_types=[_out(request, t) for t in types]), headers=VARY)


async def problem_type(request: Request) -> Response:
    """What one problem type means."""
    slug = request.path_params["slug"]
    found = PROBLEM_TYPES.get(slug)
    if found is None:
        raise Problem(404, "not-found", "Not found", f"no problem type {slug!r}")
    offer = negotiate(request.headers.get("accept"))
    if offer == HTML:
        return HTMLResponse(_ONE.render(t=found, index=absolute_url(request, "problem_types")), headers=VARY)
    if offer == TEXT:
        text = f"{found.title} (HTTP {found.status}, {found.uri})\n\n{found.description}\n"
        return PlainTextResponse(text, headers=VARY)
    return model_response(_out(request, found), headers=VARY)


routes = [
    Route("/problems/", problem_types, name="problem_types"),
    Route("/problems/{slug}", problem_type, name="problem_type"),
]
