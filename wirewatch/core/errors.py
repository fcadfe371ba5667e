"""The small vocabulary of expected failures that reach a user as one clear line."""


class WirewatchError(Exception):
    """An expected failure: the CLI prints its message (no traceback) and exits with ``exit_code``."""

    exit_code = 1


class ConfigError(WirewatchError):
    """The configuration cannot be used; the message names the file, the key and the fix."""

    exit_code = 2

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")


class UsageError(WirewatchError):
    """A command-line argument is invalid (bad date, unknown format, unknown source...)."""

    exit_code = 2
