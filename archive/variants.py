"""Print views, pop-ups and AMP pages of an article, recognized from their URL alone.

CMSs publish each article under several URLs that render the same content: Liferay's asset publisher
links a print view that opens in the ``pop_up`` window state with a ``…_viewMode=print`` portlet
parameter; Joomla's print icon adds ``tmpl=component&print=1&layout=default&page=``; Drupal's print
module serves ``/print/<nid>`` (and ``/print/node/<nid>``); WordPress AMP plugins serve ``…/amp/`` or
``?amp=1``; other sites add ``?print=1``, ``view=print``, ``format=amp`` or ``outputType=amp``. On a real
portal mirror these made up more than half of all article pages. :func:`strip_variant` maps such a URL
to the article's own URL, so that the crawler fetches the article once and the parser gives one record.

Only markers that never identify content are removed: a parameter is dropped only with a value that
names a print or AMP view, so ``view=article`` or ``format=rss`` stay.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["strip_variant"]

_PRINT_VALUES: Final = frozenset({"1", "true", "yes", "on", "print", "printable", "printer"})
# parameter name (lower case) -> values that make it a print/AMP marker (empty set: any value)
_MARKERS: Final[dict[str, frozenset[str]]] = {
    "print": _PRINT_VALUES | {""},
    "printable": _PRINT_VALUES | {""},
    "printview": _PRINT_VALUES | {""},
    "amp": frozenset({"", "1", "true", "yes"}),
    "view": frozenset({"print", "printable", "amp"}),
    "mode": frozenset({"print", "amp"}),
    "format": frozenset({"print", "amp"}),
    "output": frozenset({"print", "amp"}),
    "outputtype": frozenset({"amp", "print"}),
    "viewmode": frozenset({"print"}),
    "p_p_state": frozenset({"pop_up", "exclusive"}),
}
# Dropped with a print marker only: Joomla's print link adds them, the article's own URL has none.
_PRINT_COMPANIONS: Final[dict[str, frozenset[str]]] = {
    "tmpl": frozenset({"component"}),
    "layout": frozenset({"default", "print"}),
    "page": frozenset({""}),
}
_DRUPAL_PRINT: Final = re.compile(r"^/print/(?:node/)?(?=\d+/?$)")
_AMP_TAIL: Final = re.compile(r"(?<=[^/])/amp(/?)$")


def _is_marker(name: str, value: str) -> bool:
    lname = name.lower()
    # Liferay namespaces portlet parameters: "_101_INSTANCE_x7Gt_viewMode", "_com_…_viewMode".
    if lname.endswith("_viewmode"):
        lname = "viewmode"
    values = _MARKERS.get(lname)
    return values is not None and value.lower() in values


def strip_variant(path: str, query: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """The article's own ``(path, query)`` for a print, pop-up or AMP variant; others unchanged."""
    kept = [(k, v) for k, v in query if not _is_marker(k, v)]
    if len(kept) != len(query):
        kept = [(k, v) for k, v in kept if v.lower() not in _PRINT_COMPANIONS.get(k.lower(), frozenset())]
    segments = path.split("/")
    if "pop_up" in segments:  # Liferay's friendly URL for the pop-up window state
        path = "/".join(s for s in segments if s != "pop_up") or "/"
    path = _DRUPAL_PRINT.sub("/node/", path)
    path = _AMP_TAIL.sub(r"\1", path)  # "/slug/amp/" -> "/slug/", "/slug/amp" -> "/slug"
    return path, kept
