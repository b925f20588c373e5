"""The PostgreSQL index backend: a primary for writes and streaming replicas for reads.

:mod:`index.postgresql.nodes` holds the connections to each node and chooses the node that serves each
read (a replica that is up and close enough behind the primary, else the primary). Records, their terms
from the shared analysis and the collection statistics live in one database (:mod:`index.postgresql.ddl`),
written on the primary (:mod:`index.postgresql.indexer`) and searched on the node chosen per request
(:mod:`index.postgresql.search`).
"""
