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
