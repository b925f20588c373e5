"""The embedded Whoosh backend: an index directory on one machine (the default).

Codec internals live here — the bulk segment builder (:mod:`~index.whoosh.bulk`, :mod:`~index.whoosh.blocks`,
:mod:`~index.whoosh.vocab`, :mod:`~index.whoosh.textcodes`), the numpy query engine over posting lists
(:mod:`~index.whoosh.postings`, :mod:`~index.whoosh.postcache`, :mod:`~index.whoosh.docsets`,
:mod:`~index.whoosh.docvalues`, :mod:`~index.whoosh.ranking`), the generations on disk
(:mod:`~index.whoosh.store`, :mod:`~index.whoosh.snapshots`, :mod:`~index.whoosh.locking`) — and the two
faces the rest of deptnews sees through :mod:`index.backend`: :class:`~index.whoosh.service.SearchService`
(reads) and :class:`~index.whoosh.backend.WhooshIndexer` (writes).
"""
