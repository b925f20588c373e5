"""The PostgreSQL index backend: a primary for writes and streaming replicas for reads.

:mod:`index.postgresql.nodes` holds the connections to each node and chooses the node that serves each
read (a replica that is up and close enough behind the primary, else the primary).
"""
