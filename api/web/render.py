"""Rendering the web pages: one Jinja2 environment (autoescape on for every template) and a :class:`Page`
per request that knows its language, builds links that keep it, and answers with the security headers.

Nothing scraped is ever marked safe here; the only :class:`~markupsafe.Markup` a page receives is a
search snippet that passed :func:`trusted_snippet` and the timeline's SVG, which an XML serializer wrote
(:mod:`api.web.chart`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.routes.common import absolute_url
from api.web.i18n import LANGS, Lang, Translator, negotiate
from api.web.links import http_url, with_params

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The policy of every HTML page: nothing inline, nothing from elsewhere, frames only from here (the
sandboxed capture), and the page itself may not be framed."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Vary": "Accept-Language",
}

_MARK_TAGS = re.compile(r"</?mark>")


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=True,  # every template, whatever its name: scraped text is escaped everywhere
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the package; no stat() per render
    )


@cache
def static_version(name: str) -> str:
    """A short digest of a static file, appended to its URL so a new release is never served stale."""
    data = files("api.web").joinpath("static", name).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


def trusted_snippet(snippet: str) -> Markup:
    """A search snippet as markup. The index escapes everything in it but ``<mark>`` tags; if anything
    else that looks like a tag is left (a bug upstream), the whole snippet is escaped instead."""
    if "<" in _MARK_TAGS.sub("", snippet) or ">" in _MARK_TAGS.sub("", snippet):
        return escape(snippet)
    return Markup(snippet)  # checked above: only <mark> tags, everything else escaped by the index


class Page:
    """One HTML response in the making: language, links and rendering.

    The language comes from ``?lang=`` (kept in every link the page makes) or ``Accept-Language``; an
    unsupported ``lang`` raises the same 400 problem as any bad parameter. ``lang`` forces a language
    (for error pages, which must render even when the request's ``lang`` was the error).
    """

    def __init__(self, request: Request, *, lang: Lang | None = None) -> None:
        self.request = request
        if lang is None:
            lang, explicit = negotiate(
                request.query_params.get("lang"), request.headers.get("accept-language")
            )
        else:
            explicit = False
        self.lang: Lang = lang
        self.explicit = explicit
        self.t = Translator(lang)

    def path(self, name: str, **path_params: str) -> str:
        """The path of a named route (under the app's root path)."""
        return self.request.url_for(name, **path_params).path

    def url(self, name: str, params: Mapping[str, str] | None = None, **path_params: str) -> str:
        """A link to a named route with ``params``, keeping an explicitly chosen language."""
        query = dict(params or {})
        if self.explicit:
            query.setdefault("lang", self.lang)
        return with_params(self.path(name, **path_params), query)

    def absolute_url(self, name: str, **path_params: str) -> str:
        """The public absolute URL of a route (``DEPTNEWS_API__PUBLIC_URL`` when set), as the API's."""
        return absolute_url(self.request, name, **path_params)

    def static(self, name: str) -> str:
        return f"{self.path('web_static', path=name)}?v={static_version(name)}"

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        other = next(code for code in LANGS if code != self.lang)
        current = dict(self.request.query_params)
        base = {
            "t": self.t,
            "lang": self.lang,
            "other_lang": other,
            "switch_lang_url": with_params(self.request.url.path, current, lang=other),
            "lang_param": self.lang if self.explicit else None,
            "href": http_url,
            "active": "",
            "static": self.static,
            "nav": {
                "search": self.url("web_search"),
                "sources": self.url("web_sources"),
                "api_docs": self.path("docs"),
            },
        }
        html = environment().get_template(template).render({**base, **values})
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
