"""Links to files as the CMSs of department sites publish them: one rule for the crawler (which links to
fetch as attachments, :mod:`scrapers.discover`) and the parser (which links a record lists,
:mod:`archive.parse.media`).

A file's name, with its extension, may be anywhere in the URL:

- at the end of the path: Drupal ``/sites/default/files/…/x.pdf``, WordPress
  ``/wp-content/uploads/2024/05/x.pdf``, NukeViet ``/uploads/news/…/x.pdf``, SharePoint
  ``/Documents/…/x.docx``;
- in a path segment before the end: Liferay's document library,
  ``/documents/<groupId>/<folderId>/<Title+with+spaces.pdf>/<uuid>`` (often ``?version=1.0&t=…``);
- in a query value: download scripts (``/DownloadFile.aspx?id=5&file=x.xlsx``), SharePoint's
  ``/_layouts/15/download.aspx?SourceUrl=/Documents/x.docx``.

Or the URL says nothing of the type — a download handler (:func:`is_download_handler`): Liferay's
``/c/document_library/get_file?uuid=…&groupId=…``, its ``/documents/<groupId>/<folderId>/<title>[/<uuid>]``
with a title that has no extension, Liferay 7.4's ``/documents/d/<site>/<file>``, SharePoint's
``download.aspx``, NukeViet's ``index.php?…&download=…`` and its ``?download=1&id=0`` on article pages.
Those are attachments too: the crawler fetches them accepting only document types, so the response's
``Content-Type`` decides (a handler answering with an HTML page is not kept), and ``deptnews extract``
reads the format from the archived bytes.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, unquote_plus, urlsplit

_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_HANDLER_PATHS: Final = re.compile(
    r"(?:/c/document_library/get_file"  # Liferay 6.x and 7.x
    rf"|/documents/\d+/\d+/[^/]+(?:/{_UUID})?/?"  # Liferay, a title without an extension
    r"|/documents/d/[^/]+/[^/]+"  # Liferay 7.4 friendly URL of a file
    r"|/_layouts/(?:\d+/)?download\.aspx"  # SharePoint
    r")$",
    re.IGNORECASE,
)
_DOWNLOAD_KEYS: Final = frozenset({"download", "downloadfile"})
"""Query keys of download handlers (NukeViet's ``download=1``, ``op=…&download=…``)."""


def file_names(url: str) -> list[str]:
    """The places in ``url`` a file name may be, most telling first: the path's segments from the last
    (unquoted, ``+`` as a space), then the query's values."""
    parts = urlsplit(url)
    segments = [unquote_plus(s) for s in parts.path.split("/") if s]
    return [*reversed(segments), *(v for _, v in parse_qsl(parts.query))]


def file_extension(url: str, extensions: frozenset[str]) -> str | None:
    """The first extension of :func:`file_names` that is one of ``extensions`` (lower case, no dot)."""
    for name in file_names(url):
        stem, dot, ext = name.strip().rpartition(".")
        if dot and stem and ext.lower() in extensions:
            return ext.lower()
    return None


def is_download_handler(url: str) -> bool:
    """Whether ``url`` is a CMS's file download handler whose URL does not say the file's type."""
    parts = urlsplit(url)
    if _HANDLER_PATHS.search(parts.path):
        return True
    return any(key.lower() in _DOWNLOAD_KEYS and value for key, value in parse_qsl(parts.query))
