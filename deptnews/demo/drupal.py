"""Routing of the Drupal 7 style demo site (``stttt``).

URL scheme, as on a typical Vietnamese provincial Drupal site:
``/`` front page, ``/tin-tuc`` news listing with the Drupal pager (``?page=1`` is the
*second* page), ``/tin-tuc/<alias>`` articles, ``/gioi-thieu`` and similar navigation
pages, ``/sites/default/files/…`` files, ``/user/login`` (disallowed by robots.txt).
"""

from __future__ import annotations

from dataclasses import dataclass

from deptnews.demo.render import Request, Response, SiteApp, page_index
from deptnews.demo.sites import DemoArticle, DemoSite, Link

#: Shown on the front page in "Tin nổi bật" and in the sidebar "Tin mới" block.
LATEST_COUNT = 5


@dataclass(frozen=True, slots=True)
class PagerLink:
    """One entry of the Drupal pager (``href`` is ``None`` for the current page)."""

    css: str
    label: str
    href: str | None
    title: str = ""


class DrupalApp(SiteApp):
    """The ``stttt`` site: Drupal 7 markup, path aliases, ``?page=`` pager."""

    cms_headers = (("X-Generator", "Drupal 7 (http://drupal.org)"),)

    def __init__(self, site: DemoSite) -> None:
        super().__init__(site)
        # Drupal node ids grow with creation time; the oldest article gets the smallest.
        oldest_first = sorted(site.articles, key=lambda a: (a.published, a.path))
        self._nids = {a.path: 1040 + 7 * i for i, a in enumerate(oldest_first)}
        self._menu = (
            Link("Trang chủ", site.home_path),
            Link("Giới thiệu", "/gioi-thieu"),
            Link("Tin tức", site.listing_path),
            Link("Văn bản", "/van-ban"),
            Link("Liên hệ", "/lien-he"),
        )

    def route(self, request: Request) -> Response | None:
        """Map a request to one of the site's pages; ``None`` for unknown paths."""
        path = request.path
        if path == self.site.home_path:
            return self._listing(request, front=True)
        if path == self.site.listing_path:
            return self._listing(request, front=False)
        article = self.site.article(path)
        if article is not None:
            return self._page(
                "drupal_article.html",
                request,
                article=article,
                nid=self._nids[article.path],
                crumbs=(Link("Trang chủ", "/"), Link("Tin tức", self.site.listing_path)),
            )
        for page in self.site.pages:
            if page.path == path:
                return self._simple(request, page.title, page.body_html)
        if path in ("/user", "/user/login"):
            return self._simple(request, "Đăng nhập", _LOGIN_FORM)
        if path == "/admin" or path.startswith("/admin/"):
            body = "<p>Bạn không có quyền truy cập trang này.</p>"
            return self._simple(request, "Truy cập bị từ chối", body, status=403)
        return None

    def not_found(self, request: Request) -> Response:
        """Drupal's "Không tìm thấy trang" page with status 404."""
        body = "<p>Không tìm thấy trang bạn yêu cầu. Trang có thể đã bị xóa hoặc đổi địa chỉ.</p>"
        return self._simple(request, "Không tìm thấy trang", body, status=404)

    def _simple(self, request: Request, title: str, body: str, *, status: int = 200) -> Response:
        return self._page(
            "drupal_page.html",
            request,
            status=status,
            title=title,
            body_html=body,
            crumbs=(Link("Trang chủ", "/"),),
        )

    def _page(
        self,
        template: str,
        request: Request,
        *,
        status: int = 200,
        article: DemoArticle | None = None,
        **context: object,
    ) -> Response:
        """Render with the chrome every Drupal page has: menu, sidebar, footer."""
        return self.html(
            template,
            request,
            status=status,
            article=article,
            menu=[(link, _in_section(request.path, link.url)) for link in self._menu],
            latest=self.site.articles[:LATEST_COUNT],
            **context,
        )

    def _listing(self, request: Request, *, front: bool) -> Response:
        site = self.site
        current = 0 if front else page_index(request.param("page"), site.page_count)
        start = current * site.page_size
        return self._page(
            "drupal_listing.html",
            request,
            front=front,
            items=site.articles[start : start + site.page_size],
            start=start,
            pager=[] if front else self._pager(current),
            crumbs=() if front else (Link("Trang chủ", "/"),),
        )

    def _pager(self, current: int) -> list[PagerLink]:
        """Drupal 7 ``theme_pager`` output: first, previous, numbers, next, last."""
        last = self.site.page_count - 1
        if last == 0:
            return []

        def href(page: int) -> str:
            # Drupal omits ?page=0: the first page is the bare listing path.
            return self.site.listing_path + (f"?page={page}" if page else "")

        links: list[PagerLink] = []
        if current > 0:
            links.append(PagerLink("pager-first first", "« Trang đầu", href(0), "Đến trang đầu"))
            links.append(PagerLink("pager-previous", "‹ Trang trước", href(current - 1)))
        for page in range(last + 1):
            if page == current:
                links.append(PagerLink("pager-current", str(page + 1), None))
            else:
                links.append(PagerLink("pager-item", str(page + 1), href(page)))
        if current < last:
            links.append(PagerLink("pager-next", "Trang sau ›", href(current + 1), "Đến trang sau"))
            links.append(PagerLink("pager-last last", "Trang cuối »", href(last), "Đến trang cuối"))
        return links


def _in_section(path: str, link: str) -> bool:
    if link == "/":
        return path == "/"
    return path == link or path.startswith(link + "/")


_LOGIN_FORM = """<form action="/user/login" method="post" id="user-login" accept-charset="UTF-8">
<div class="form-item form-type-textfield form-item-name">
<label for="edit-name">Tên đăng nhập <span class="form-required">*</span></label>
<input type="text" id="edit-name" name="name" size="60" maxlength="60" class="form-text">
</div>
<div class="form-item form-type-password form-item-pass">
<label for="edit-pass">Mật khẩu <span class="form-required">*</span></label>
<input type="password" id="edit-pass" name="pass" size="60" maxlength="128" class="form-text">
</div>
<div class="form-actions"><input type="submit" id="edit-submit" name="op" value="Đăng nhập"></div>
</form>"""
