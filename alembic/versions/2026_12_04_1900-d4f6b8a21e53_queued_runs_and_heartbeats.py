"""Celery mode: queued runs, heartbeats, and one run in flight per source.

- ``crawl_runs.queued_at`` (when the leader enqueued the run) and
  ``crawl_runs.heartbeat_at`` (the worker's last sign of life), both nullable.
- The new status ``queued`` needs no DDL (``status`` is text).
- ``uq_crawl_runs_source_active``: a partial unique index on ``source`` over the
  ``queued`` and ``running`` rows, so the database itself refuses a second run of
  one source in flight. Rows that would break it (several ``running`` rows of a
  source, left by crashed processes) are closed ``interrupted`` first, all but
  the newest of each source.

Revision ID: d4f6b8a21e53
Revises: c3e5a7f10d42
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "d4f6b8a21e53"
down_revision: str | Sequence[str] | None = "c3e5a7f10d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
ACTIVE_RUN = "status IN ('queued', 'running')"
CLOSE_DUPLICATES = """
UPDATE crawl_runs
SET status = 'interrupted',
    finished_at = CURRENT_TIMESTAMP,
    error = 'closed by the migration to one run in flight per source: a newer run of the source was running'
WHERE status IN ('queued', 'running')
  AND id NOT IN (SELECT max(id) FROM crawl_runs WHERE status IN ('queued', 'running') GROUP BY source)
"""


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("queued_at", UTC_TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTC_TIMESTAMP, nullable=True))
    op.execute(CLOSE_DUPLICATES)
    op.create_index(
        "uq_crawl_runs_source_active",
        "crawl_runs",
        ["source"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_RUN),
        postgresql_where=sa.text(ACTIVE_RUN),
    )


def downgrade() -> None:
    op.drop_index("uq_crawl_runs_source_active", table_name="crawl_runs")
    op.execute(
        "UPDATE crawl_runs SET status = 'failed', finished_at = CURRENT_TIMESTAMP,"
        " error = 'still queued when the schema was downgraded' WHERE status = 'queued'"
    )
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("queued_at")
