from __future__ import annotations

import pytest

from archive.urls import canonicalize_url, same_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.VN:80/a/b?utm_source=x&id=3#top", "http://example.vn/a/b?id=3"),
        ("https://example.vn:443/tin-tuc?fbclid=abc", "https://example.vn/tin-tuc"),
        ("https://example.vn", "https://example.vn/"),
        ("http://127.0.0.1:8101/Tin-Tuc/A", "http://127.0.0.1:8101/Tin-Tuc/A"),
        ("https://x.vn/web/guest;jsessionid=ABC123?p=1", "https://x.vn/web/guest?p=1"),
    ],
)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_relative_and_same_host() -> None:
    assert canonicalize_url("../b?x=1", base="http://h.vn/a/c") == "http://h.vn/b?x=1"
    assert same_host("http://h.vn:81/a", "http://H.vn:81/b")
    assert not same_host("http://h.vn:81/a", "http://h.vn:82/a")


def test_liferay_navigation_state_dropped() -> None:
    url = "http://h.vn/web/s/-/asset_publisher/x/content/bai?inheritRedirect=false&redirect=http%3A%2F%2Fh.vn%2Fweb"
    assert canonicalize_url(url) == "http://h.vn/web/s/-/asset_publisher/x/content/bai"


@pytest.mark.parametrize(
    ("variant", "article"),
    [
        # Liferay 6.2 asset publisher: the print icon opens the pop_up window state in print view mode
        (
            "http://h.vn/web/s/-/asset_publisher/Ab1c/content/hoi-nghi/pop_up?_101_INSTANCE_Ab1c_viewMode=print",
            "http://h.vn/web/s/-/asset_publisher/Ab1c/content/hoi-nghi",
        ),
        (
            "http://h.vn/web/s/tin-tuc?p_p_id=101_INSTANCE_Ab1c&p_p_lifecycle=0&p_p_state=pop_up&p_p_mode=view"
            "&_101_INSTANCE_Ab1c_struts_action=%2Fasset_publisher%2Fview_content&_101_INSTANCE_Ab1c_urlTitle=hoi-nghi"
            "&_101_INSTANCE_Ab1c_viewMode=print",
            "http://h.vn/web/s/tin-tuc?p_p_id=101_INSTANCE_Ab1c&p_p_lifecycle=0&p_p_mode=view"
            "&_101_INSTANCE_Ab1c_struts_action=%2Fasset_publisher%2Fview_content&_101_INSTANCE_Ab1c_urlTitle=hoi-nghi",
        ),
        # Joomla 3 print icon, and K2's
        (
            "http://h.vn/index.php?option=com_content&view=article&id=12:hoi-nghi&catid=8&Itemid=101"
            "&tmpl=component&print=1&layout=default&page=",
            "http://h.vn/index.php?option=com_content&view=article&id=12%3Ahoi-nghi&catid=8&Itemid=101",
        ),
        (
            "http://h.vn/index.php/tin-tuc/item/1563?tmpl=component&print=1",
            "http://h.vn/index.php/tin-tuc/item/1563",
        ),
        # Drupal print module
        ("http://h.vn/print/2841", "http://h.vn/node/2841"),
        ("http://h.vn/print/node/2841", "http://h.vn/node/2841"),
        # WordPress AMP plugins, generic switches
        ("https://h.vn/2024/05/hoi-nghi/amp/", "https://h.vn/2024/05/hoi-nghi/"),
        ("https://h.vn/tin-tuc/hoi-nghi-4411.html?amp=1", "https://h.vn/tin-tuc/hoi-nghi-4411.html"),
        ("https://h.vn/tin-tuc/hoi-nghi-4411.html?print=true", "https://h.vn/tin-tuc/hoi-nghi-4411.html"),
        (
            "https://h.vn/Pages/chi-tiet.aspx?ItemID=77&view=print",
            "https://h.vn/Pages/chi-tiet.aspx?ItemID=77",
        ),
        ("https://h.vn/news/detail?id=5&outputType=amp", "https://h.vn/news/detail?id=5"),
    ],
)
def test_print_popup_and_amp_views_map_to_the_article(variant: str, article: str) -> None:
    assert canonicalize_url(variant) == canonicalize_url(article)


@pytest.mark.parametrize(
    "url",
    [
        "http://h.vn/index.php?option=com_content&view=article&id=12",  # view=article is content
        "http://h.vn/feed?format=rss",
        "http://h.vn/tin-tuc?page=2",  # paging without a print marker keeps its page
        "http://h.vn/amp",  # a section named amp, not an AMP view of something
        "http://h.vn/print/tin-tuc",  # not a Drupal print path
        "http://h.vn/tin-tuc?tmpl=component",  # a Joomla component view, no print marker
    ],
)
def test_urls_that_only_look_like_variants_are_kept(url: str) -> None:
    assert canonicalize_url(url) == url
