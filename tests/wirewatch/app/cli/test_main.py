"""The command group: commands load on first use, help lists them all, failures are one line."""

from pathlib import Path

import click
import pytest

from tests.cli import wirewatch_imports
from tests.wirewatch.app.cli.conftest import Run
from wirewatch.app.cli.main import COMMANDS, LazyGroup, cli

COMMAND_MODULES = sorted({lazy.target.partition(":")[0] for lazy in COMMANDS.values()})


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_first_sentence_of_its_commands_help(name: str) -> None:
    command = COMMANDS[name].load()
    assert command.name == name
    listed = click.Command(name, help=COMMANDS[name].summary)
    for limit in (20, 45, 66, 200):
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), limit


@pytest.mark.parametrize("width", ["50", "80", "200"])
def test_help_lists_every_command_as_an_eagerly_loaded_group_would(
    monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    fresh = LazyGroup(name="wirewatch", lazy_commands=COMMANDS, params=cli.params, help=cli.help)
    eager = click.Group(name="wirewatch", params=cli.params, help=cli.help)
    for name, lazy in COMMANDS.items():
        eager.add_command(lazy.load(), name)
    lazy_help = fresh.get_help(click.Context(fresh, info_name="wirewatch"))
    assert lazy_help == eager.get_help(click.Context(eager, info_name="wirewatch"))
    assert all(f"  {name} " in lazy_help for name in COMMANDS)


def test_top_level_help_imports_no_command() -> None:
    assert not set(COMMAND_MODULES) & wirewatch_imports("--help").modules


def test_a_commands_help_imports_its_own_module_only() -> None:
    modules = wirewatch_imports("articles", "--help").modules
    assert set(COMMAND_MODULES) & modules == {"wirewatch.app.cli.query"}
    assert "sqlalchemy" not in modules


def test_an_unknown_command_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("artikles")
    assert result.code == 2
    assert "No such command 'artikles'" in result.err


def test_an_unreachable_database_is_an_error_message_with_exit_code_1(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = run_cli("runs")
    assert result.code == 1
    assert result.err.startswith("wirewatch: error: database unavailable: ")
    assert "Connection refused" in result.err and "Traceback" not in result.err
