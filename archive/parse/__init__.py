"""Parsing captures into records: :func:`archive.parse.article.parse_capture`; see docs/parsing.md."""
