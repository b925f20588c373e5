"""Server-rendered web pages for people (search, records, diffs, sources) on the API's application.

Routes live in :mod:`api.web.routes`; see ``docs/web.md``.
"""
