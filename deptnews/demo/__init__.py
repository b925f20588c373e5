"""Local demo copies of Vietnamese department news websites, served on 127.0.0.1.

Two sites in different CMS styles (``SITES``): ``stttt``, a Drupal 7 site of the Sở Thông
tin và Truyền thông tỉnh Lạng Sơn whose article ``SEED_ARTICLE_PATH`` reproduces the page
deptnews was created from, and ``skhcn``, a Liferay 6.2 portal of the Sở Khoa học và Công
nghệ tỉnh Bắc Ninh.  ``DemoWeb`` serves them for tests and for the demo command.
"""

from deptnews.demo.server import DemoWeb, RecordedRequest, make_app, run_blocking
from deptnews.demo.sites import (
    SEED_ARTICLE_PATH,
    SEED_SITE_ID,
    SITES,
    DemoArticle,
    DemoSite,
    get_site,
)

__all__ = [
    "SEED_ARTICLE_PATH",
    "SEED_SITE_ID",
    "SITES",
    "DemoArticle",
    "DemoSite",
    "DemoWeb",
    "RecordedRequest",
    "get_site",
    "make_app",
    "run_blocking",
]
