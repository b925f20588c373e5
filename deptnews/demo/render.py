"""Shared rendering machinery of the demo sites: responses, templates, common routes.

A site application turns a request target (path + query) into a ``Response``; it knows
nothing about sockets, so it can be tested and reused without a server.  CMS-specific
routing lives in ``drupal.py`` and ``liferay.py``; this module handles what both share:
``robots.txt``, binary assets, the 404 page and date formatting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from deptnews.demo.assets import pdf_document, png_image
from deptnews.demo.documents import FILES
from deptnews.demo.sites import Attachment, DemoArticle, DemoSite

HTML = "text/html; charset=utf-8"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("deptnews.demo", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Response:
    """What a site returns for one request; ``last_modified`` enables conditional GETs."""

    status: int
    body: bytes
    content_type: str = HTML
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        """Strong entity tag derived from the body bytes."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass(frozen=True, slots=True)
class Request:
    """The parts of an HTTP request a site looks at."""

    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    base_url: str = ""

    @classmethod
    def parse(cls, target: str, base_url: str) -> Request:
        """Split a request target (``/a%20b?x=1``) into a decoded path and query dict."""
        parts = urlsplit(target)
        return cls(unquote(parts.path) or "/", parse_qs(parts.query), base_url)

    def param(self, name: str) -> str | None:
        """First value of query parameter ``name``, if present."""
        values = self.query.get(name)
        return values[0] if values else None


def dmy(day: date) -> str:
    """``05/07/2010``: the date format of Vietnamese listings."""
    return day.strftime("%d/%m/%Y")


def hm(moment: time | None) -> str:
    """``14:30`` (empty when there is no time)."""
    return moment.strftime("%H:%M") if moment else ""


def weekday(day: date) -> str:
    """Vietnamese weekday name, e.g. ``Thứ Hai``."""
    return WEEKDAYS[day.weekday()]


def page_index(raw: str | None, page_count: int, *, first: int = 0) -> int:
    """Clamp a pager parameter to a valid 0-based page, as Drupal's pager does.

    ``first`` is the number of the first page in the URL scheme (0 for Drupal's
    ``?page=``, 1 for Liferay's ``_cur``); junk values mean the first page.
    """
    try:
        number = int(raw) - first if raw is not None else 0
    except ValueError:
        number = 0
    return min(max(number, 0), page_count - 1)


class SiteApp:
    """Base class of a demo site application; subclasses implement ``route``."""

    cms_headers: tuple[tuple[str, str], ...] = ()
    robots_disallow: tuple[str, ...] = ("/admin/", "/user/")
    robots_allow: tuple[str, ...] = ()

    def __init__(self, site: DemoSite) -> None:
        self.site = site
        self._assets = self._build_assets()

    def _build_assets(self) -> dict[str, Response]:
        """Binary files: the logo, article images and attachments."""
        assets = {self.site.logo_path: Response(200, png_image(48, 48, (180, 30, 30)), "image/png")}
        for article in self.site.articles:
            for image in article.images:
                png = png_image(64, 36, (40, 90, 160))
                assets[image] = Response(200, png, "image/png", article.modified)
            for attachment in article.attachments:
                # Served by its path; a download servlet (Liferay's get_file) routes by its query itself.
                path, _, query = attachment.path.partition("?")
                if query and not self.serves_by_path(path):
                    continue
                assets[unquote(path)] = self.attachment(attachment, article)
        return assets

    def serves_by_path(self, path: str) -> bool:
        """Whether a file at ``path`` (with a query) is served by its path alone (Liferay's
        ``/documents/…?version=1.0&t=…``), not routed by its query (a download servlet)."""
        return True

    def attachment(self, attachment: Attachment, article: DemoArticle) -> Response:
        """An attachment's bytes: the generated file it names, else a tiny PDF of its own."""
        if attachment.file is not None:
            data, media_type = FILES[attachment.file]
            return Response(200, data(), media_type, article.modified)
        pdf = pdf_document(f"deptnews demo attachment: {attachment.name}")
        return Response(200, pdf, "application/pdf", article.modified)

    def handle(self, target: str, base_url: str) -> Response:
        """Serve a GET for ``target`` (path + query) as seen at ``base_url``."""
        request = Request.parse(target, base_url)
        if request.path == "/robots.txt":
            return self.text(self.robots_txt())
        asset = self._assets.get(request.path)
        if asset is not None:
            return asset
        response = self.route(request)
        return response if response is not None else self.not_found(request)

    def route(self, request: Request) -> Response | None:
        """CMS-specific pages; ``None`` means 404."""
        raise NotImplementedError

    def robots_txt(self) -> str:
        """robots.txt: everything allowed except the CMS's private areas."""
        lines = ["# robots.txt of a deptnews demo site", "User-agent: *"]
        lines += [f"Allow: {path}" for path in self.robots_allow]
        lines += [f"Disallow: {path}" for path in self.robots_disallow]
        return "\n".join(lines) + "\n"

    def not_found(self, request: Request) -> Response:
        """The site's own 404 page (a full HTML page, status 404)."""
        raise NotImplementedError

    def text(self, body: str) -> Response:
        """A ``text/plain`` 200 response."""
        return Response(200, body.encode(), "text/plain; charset=utf-8", None, self.cms_headers)

    def html(
        self,
        template: str,
        request: Request,
        *,
        status: int = 200,
        article: DemoArticle | None = None,
        **context: Any,
    ) -> Response:
        """Render ``template``; article pages get ``Last-Modified`` from the article."""
        page = _ENV.get_template(template).render(
            site=self.site,
            request=request,
            base_url=request.base_url,
            article=article,
            dmy=dmy,
            hm=hm,
            weekday=weekday,
            **context,
        )
        modified = article.modified if article is not None else None
        return Response(status, page.encode("utf-8"), HTML, modified, self.cms_headers)
