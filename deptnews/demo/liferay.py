"""Routing of the Liferay 6.2 style demo portal (``skhcn``).

URL scheme, as on Vietnamese provincial Liferay portals:
``/`` redirects (302) to the site ``/web/skhcn``; ``/web/skhcn/tin-tuc`` is an Asset
Publisher listing paged with portlet parameters
(``?p_p_id=101_INSTANCE_<id>&…&_101_INSTANCE_<id>_delta=5&_101_INSTANCE_<id>_cur=2``);
articles live at ``/web/skhcn/tin-tuc/-/asset_publisher/<id>/content/<url-title>``.  Listing
links to articles carry ``?inheritRedirect=false&redirect=…`` like the real portlet, so a
crawler must canonicalise (the page has ``<link rel="canonical">``).  ``/c/…`` is the
portal's servlet area, disallowed by robots.txt.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from urllib.parse import parse_qs, quote, urlencode

from deptnews.demo.render import Request, Response, SiteApp, page_index
from deptnews.demo.sites import DemoArticle, DemoSite, Link

GET_FILE = "/c/document_library/get_file"
"""Liferay's download servlet: ``?uuid=<file entry uuid>&groupId=<site>``."""
RELATED_COUNT = 5
MAX_DELTA = 60


class LiferayApp(SiteApp):
    """The ``skhcn`` portal: Liferay markup, Asset Publisher paging, portlet boilerplate."""

    cms_headers = (("Liferay-Portal", "Liferay Portal Community Edition 6.2 CE GA6"),)
    robots_disallow = ("/admin/", "/user/", "/c/")
    # The servlet area is closed to robots but for file downloads (longest match wins, RFC 9309).
    robots_allow = (GET_FILE,)

    def __init__(self, site: DemoSite) -> None:
        super().__init__(site)
        self._portlet = f"101_INSTANCE_{site.portlet_instance}"
        self._ns = f"_{self._portlet}_"
        home = site.home_path
        self._menu = (
            Link("Trang chủ", home),
            Link("Giới thiệu", f"{home}/gioi-thieu"),
            Link("Tin tức", site.listing_path),
            Link("Văn bản", f"{home}/van-ban"),
            Link("Liên hệ", f"{home}/lien-he"),
        )

    def route(self, request: Request) -> Response | None:
        """Map a request to one of the portal's pages; ``None`` for unknown paths."""
        site, path = self.site, request.path
        if path == "/":
            target = site.home_path
            body = f'<html><body><a href="{target}">{target}</a></body></html>'.encode()
            return Response(302, body, headers=(("Location", target), *self.cms_headers))
        if path == site.home_path:
            return self._listing(request, home=True)
        if path == site.listing_path:
            return self._listing(request, home=False)
        article = site.article(path)
        if article is not None:
            return self._article(request, article)
        for page in site.pages:
            if page.path == path:
                return self._simple(request, page.title, page.body_html)
        if path == GET_FILE:
            return self._get_file(request)
        if path == "/c/portal/login":
            return self._simple(request, "Đăng nhập", _LOGIN_FORM)
        return None

    def serves_by_path(self, path: str) -> bool:
        return path != GET_FILE

    def _get_file(self, request: Request) -> Response | None:
        """The file whose uuid the query names, as a download named by ``Content-Disposition`` (the URL
        says nothing of it); None (404) for an unknown uuid."""
        uuid = request.param("uuid")
        for article in self.site.articles:
            for attachment in article.attachments:
                path, _, query = attachment.path.partition("?")
                if path == GET_FILE and uuid and parse_qs(query).get("uuid") == [uuid]:
                    found = self.attachment(attachment, article)
                    disposition = f"attachment; filename*=UTF-8''{quote(attachment.name)}"
                    return replace(found, headers=(("Content-Disposition", disposition), *self.cms_headers))
        return None

    def not_found(self, request: Request) -> Response:
        """Liferay's "Không tìm thấy" status page, status 404."""
        body = (
            '<div class="alert alert-error">Không tìm thấy trang được yêu cầu: '
            f"<code>{_escape(request.path)}</code></div>"
        )
        return self._simple(request, "Không tìm thấy", body, status=404)

    def listing_url(self, cur: int, delta: int | None = None) -> str:
        """URL of listing page ``cur`` (1-based) with the portlet's full parameter set."""
        ns = self._ns
        params = [
            ("p_p_id", self._portlet),
            ("p_p_lifecycle", "0"),
            ("p_p_state", "normal"),
            ("p_p_mode", "view"),
            ("p_p_col_id", "column-1"),
            ("p_p_col_count", "1"),
            (f"{ns}delta", str(delta or self.site.page_size)),
            (f"{ns}keywords", ""),
            (f"{ns}advancedSearch", "false"),
            (f"{ns}andOperator", "true"),
            ("p_r_p_564233524_resetCur", "false"),
            (f"{ns}cur", str(cur)),
        ]
        return f"{self.site.listing_path}?{urlencode(params)}"

    def _delta(self, request: Request) -> int:
        # Liferay only reads namespaced parameters addressed to this portlet.
        if request.param("p_p_id") != self._portlet:
            return self.site.page_size
        try:
            delta = int(request.param(f"{self._ns}delta") or self.site.page_size)
        except ValueError:
            return self.site.page_size
        return min(max(delta, 1), MAX_DELTA)

    def _listing(self, request: Request, *, home: bool) -> Response:
        articles = self.site.articles
        delta = self.site.page_size if home else self._delta(request)
        pages = max(1, -(-len(articles) // delta))
        raw_cur = request.param(f"{self._ns}cur") if not home else None
        if request.param("p_p_id") != self._portlet:
            raw_cur = None
        current = page_index(raw_cur, pages, first=1)
        here = self.listing_url(current + 1, delta)
        items = articles[current * delta : (current + 1) * delta]
        redirect = urlencode({"inheritRedirect": "false", "redirect": here})
        return self._page(
            "liferay_listing.html",
            request,
            home=home,
            items=[(a, f"{a.path}?{redirect}") for a in items],
            first_index=current * delta,
            total=len(articles),
            current=current + 1,
            pages=pages,
            delta=delta,
            page_url=lambda cur: self.listing_url(cur, delta),
        )

    def _article(self, request: Request, article: DemoArticle) -> Response:
        redirect = request.param("redirect") or ""
        back = redirect if redirect.startswith("/") and not redirect.startswith("//") else None
        others = [a for a in self.site.articles if a.path != article.path]
        start = self.site.articles.index(article)
        related = (others[start:] + others[:start])[:RELATED_COUNT]
        digest = hashlib.sha256(article.slug.encode()).digest()
        return self._page(
            "liferay_article.html",
            request,
            article=article,
            back=back or self.site.listing_path,
            related=related,
            views=97 + int.from_bytes(digest[:2], "big") % 2400,
        )

    def _simple(self, request: Request, title: str, body: str, *, status: int = 200) -> Response:
        return self._page("liferay_page.html", request, status=status, title=title, body_html=body)

    def _page(
        self,
        template: str,
        request: Request,
        *,
        status: int = 200,
        article: DemoArticle | None = None,
        **context: object,
    ) -> Response:
        """Render with the portal chrome: navigation, breadcrumb, right column, footer."""
        return self.html(
            template,
            request,
            status=status,
            article=article,
            menu=[(link, _in_section(request.path, link.url)) for link in self._menu],
            portlet=self._portlet,
            **context,
        )


def _in_section(path: str, link: str) -> bool:
    if link.count("/") <= 2:  # the site home: only itself
        return path == link
    return path == link or path.startswith(link + "/")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LOGIN_FORM = """<form action="/c/portal/login" method="post" name="_58_fm" class="form">
<div class="control-group"><label class="control-label" for="_58_login">Địa chỉ thư điện tử</label>
<input class="field" id="_58_login" name="_58_login" type="text"></div>
<div class="control-group"><label class="control-label" for="_58_password">Mật khẩu</label>
<input class="field" id="_58_password" name="_58_password" type="password"></div>
<div class="button-holder"><button class="btn btn-primary" type="submit">Đăng nhập</button></div>
</form>"""
