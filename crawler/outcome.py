"""How a crawl process judges its runs: the final status of each, from how its spider closed.

``RunRecorder`` asks when a spider closes; ``process`` asks once more for a run
whose spider never closed it (stopped before it opened, or a crawler that broke
down). The ledger keeps the first close, so asking twice is harmless.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from wirewatch.storage.ledger import RunOutcome
from wirewatch.storage.models import RunStatus

SUCCESS_REASONS = frozenset({"finished", "closespider_pagecount", "closespider_itemcount"})
"""Close reasons of a crawl that ran to its end (or to a configured limit)."""


@dataclass(frozen=True, slots=True)
class SpiderClose:
    """Why a source's spider closed, and what went wrong on the way."""

    reason: str
    storage_error: str | None = None
    start_errors: Sequence[str] = ()
    """One ``url: why`` per start URL that could not be fetched."""
    start_count: int = 0
    warnings: Sequence[str] = ()
    """Caps the run hit (``max_discovery_pages``...) and start pages without story links:
    kept in the error column of a success."""


def crawl_outcome(close: SpiderClose | None, *, signalled: bool = False) -> RunOutcome:
    """The outcome of a run, from its spider's close (None: the spider never closed it).

    - ``failed`` when storage gave up, when every start URL failed (the error
      lists each one and why), when the spider closed for an unexpected reason,
      or when it never closed the run without a signal to explain it;
    - ``interrupted`` after SIGINT/SIGTERM (close reason ``shutdown``, or a
      signal that came before the spider opened);
    - ``succeeded`` otherwise (``finished``, or a ``closespider_*`` limit), with
      the warnings, if any, as its error text (the data contract's "warnings of a
      run that succeeded").
    """
    if close is None:
        if signalled:
            return RunOutcome(RunStatus.INTERRUPTED, "stopped by a signal before the crawl started")
        return RunOutcome(
            RunStatus.FAILED, "the crawler stopped without closing its run (see the log)"
        )
    if close.storage_error:
        return RunOutcome(RunStatus.FAILED, close.storage_error)
    if close.reason == "shutdown":
        return RunOutcome(RunStatus.INTERRUPTED, "stopped by a signal before the crawl finished")
    if close.start_count and len(close.start_errors) >= close.start_count:
        listed = "; ".join(close.start_errors)
        plural = "s" if close.start_count > 1 else ""
        return RunOutcome(
            RunStatus.FAILED,
            f"no start URL could be fetched ({close.start_count} start URL{plural}): {listed}",
        )
    if close.reason in SUCCESS_REASONS:
        return RunOutcome(RunStatus.SUCCEEDED, "; ".join(close.warnings) or None)
    return RunOutcome(RunStatus.FAILED, f"crawl stopped: {close.reason}")
