"""What a crawl process reports about its runs: progress while they run, a summary at the end."""

from dataclasses import dataclass

from wirewatch.storage.ledger import RunCounts, RunRow
from wirewatch.storage.models import RunStatus

run_progress = object()
"""Sent by ``StoragePipeline`` after each flush with ``source``, ``run_id`` and ``totals``."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How one source's run went (``status`` is ``running`` in progress reports)."""

    source: str
    run_id: int
    status: RunStatus
    counts: RunCounts
    error: str | None = None

    @classmethod
    def of(cls, row: RunRow) -> "RunSummary":
        """The summary of a run as the ledger has it."""
        return cls(row.source, row.id, row.status, row.counts, row.error)

    @property
    def succeeded(self) -> bool:
        return self.status is RunStatus.SUCCEEDED
