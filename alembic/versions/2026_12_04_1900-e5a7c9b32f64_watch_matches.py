"""watch_matches: the outbox of alerts, written with the stories that match.

One row per story (at one revision) that matched one configured watch, written
in the transaction that stored the story; its ``id`` is the delivery's
``Idempotency-Key``. ``status`` (``pending``, ``delivered``, ``failed``,
``unsent``) and the index on ``(status, next_attempt_at)`` let the delivery pass
find due matches without reading the rest.

Revision ID: e5a7c9b32f64
Revises: d4f6b8a21e53
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e5a7c9b32f64"
down_revision: str | Sequence[str] | None = "d4f6b8a21e53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("matched_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("delivered_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("next_attempt_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_watch_matches_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_matches")),
        sa.UniqueConstraint(
            "watch",
            "article_id",
            "revision",
            name=op.f("uq_watch_matches_watch_article_id_revision"),
        ),
    )
    with op.batch_alter_table("watch_matches") as batch:
        batch.create_index("ix_watch_matches_article_id", ["article_id"])
        batch.create_index("ix_watch_matches_matched_at", ["matched_at"])
        batch.create_index("ix_watch_matches_status_next_attempt_at", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("watch_matches")
