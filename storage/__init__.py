"""Storage: the database that is wirewatch's public interface.

The only layer that speaks SQL: the crawler, the scheduler and the command line
reach the database through these modules (import-linter holds it so). Import
each from its module; the package itself exports nothing.

- ``models``: typed SQLAlchemy models of the data contract's tables (the schema
  itself is created only by the Alembic migrations in ``alembic/``).
- ``engine``: engines for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL
  (psycopg 3), and the ``Engine`` handle every other layer passes around;
  ``migrate``: run those migrations from code (``ensure_schema``).
- ``upsert``: ``store_batch``, the one write path for extracted records; it applies
  the contract's rules (stored once, every address, improves-never-degrades,
  revisions without flip-flop) set-based, in one transaction per batch.
- ``runs``: crawl runs and rejected pages; ``addresses``: what incremental
  crawling asks (known addresses, known article numbers, 304 touches).
- ``leader_lock``: the PostgreSQL advisory lock that elects the scheduling daemon.
- ``queries``, ``search`` and ``export``: read-side functions returning plain dataclasses.
"""
