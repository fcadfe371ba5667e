"""A run's counters, as in ``crawl_runs``, and the signal that reports them while it runs."""

from dataclasses import dataclass, fields

run_progress = object()
"""Sent by ``StoragePipeline`` after each flush with ``source``, ``run_id`` and ``totals``."""


@dataclass(frozen=True, slots=True)
class RunCounts:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    pages_rejected: int = 0

    def __add__(self, other: "RunCounts") -> "RunCounts":
        return RunCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(RunCounts))
        )

    def as_kwargs(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(RunCounts)}

    def __bool__(self) -> bool:
        return any(self.as_kwargs().values())
