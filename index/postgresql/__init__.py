"""The PostgreSQL backend of the search contract (:mod:`index.backend`): records, their terms from the
shared analysis and the collection statistics in one database (:mod:`index.postgresql.ddl`), written on
the primary (:mod:`index.postgresql.indexer`) and searched on a streaming replica chosen per request
(:mod:`index.postgresql.search`)."""
