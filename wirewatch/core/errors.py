"""The small vocabulary of expected failures that reach a user as one clear line."""

from collections.abc import Sequence
from dataclasses import dataclass


class WirewatchError(Exception):
    """An expected failure: the CLI prints its message (no traceback) and exits with ``exit_code``."""

    exit_code = 1

    def lines(self) -> list[str]:
        """What to print, one problem a line (most errors have one)."""
        return [str(self)]


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in the configuration: where it is (a file or a variable), the key, the fix."""

    where: str
    key: str
    problem: str

    def __str__(self) -> str:
        place = f"{self.where}: {self.key}" if self.key else self.where
        return f"{place}: {self.problem}"


class ConfigError(WirewatchError):
    """The configuration cannot be used; each problem names the file, the key and the fix.

    Every mistake found in one pass is reported (``problems``); ``path``, ``key``
    and ``problem`` are the first one's, for callers that show only one.
    """

    exit_code = 2

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.problems: list[ConfigProblem] = [ConfigProblem(path, key, problem)]
        self.path = path
        self.key = key
        self.problem = problem
        super().__init__(str(self.problems[0]))

    @classmethod
    def of(cls, problems: Sequence[ConfigProblem]) -> "ConfigError":
        """One error for several problems (at least one), all of them in ``lines()``."""
        first = problems[0]
        error = cls(first.where, first.key, first.problem)
        error.problems = list(problems)
        error.args = ("; ".join(str(p) for p in problems),)
        return error

    def lines(self) -> list[str]:
        return [str(problem) for problem in self.problems]


class UsageError(WirewatchError):
    """A command-line argument is invalid (bad date, unknown format, unknown source...)."""

    exit_code = 2
