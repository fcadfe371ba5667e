"""The README a new user follows: its Quickstart works and every command is documented."""

import re
from pathlib import Path

import click

from wirewatch.app.cli.main import cli
from wirewatch.core.config import Config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def quickstart_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", section("Quickstart"), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", MAKEFILE, re.M))


def subcommand_paths(group: click.Group, prefix: str = "wirewatch") -> list[str]:
    paths = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if command.hidden:
            continue
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += subcommand_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_quickstart_is_exactly_make_demo_and_make_test() -> None:
    assert quickstart_commands() == ["make demo", "make test"]


def test_quickstart_make_targets_exist() -> None:
    targets = makefile_targets()
    for command in quickstart_commands():
        program, target = command.split()
        assert program == "make"
        assert target in targets, f"README says `{command}` but the Makefile has no {target!r}"


def test_every_subcommand_is_in_the_command_reference() -> None:
    reference = section("Command reference")
    paths = subcommand_paths(cli)
    assert {
        "wirewatch db upgrade",
        "wirewatch crawl",
        "wirewatch daemon",
        "wirewatch status",
    } <= set(paths)
    missing = [path for path in paths if f"`{path}" not in reference]
    assert not missing, f"commands missing from the README's command reference: {missing}"


def test_every_option_of_every_subcommand_is_mentioned() -> None:
    reference = section("Command reference")
    missing = []
    for path in subcommand_paths(cli):
        command: click.Command | None = cli
        for name in path.split()[1:]:
            assert isinstance(command, click.Group)
            command = command.get_command(click.Context(command), name)
        assert command is not None, path
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                long = max(param.opts, key=len)
                if long not in ("--config", "--verbose") and long not in reference:
                    missing.append(f"{path} {long}")
    assert not missing, f"options missing from the README: {missing}"


def test_every_config_key_is_in_the_config_reference() -> None:
    reference = section("Configuration reference")
    for name, field in Config.model_fields.items():
        if name == "path":
            continue
        annotation = field.annotation
        listed = getattr(annotation, "__origin__", None) is list
        model = annotation.__args__[0] if listed else annotation  # type: ignore[union-attr]
        heading = f"[[{name}]]" if listed else f"[{name}]"
        assert f"`{heading}`" in reference, heading
        for key in model.model_fields:  # type: ignore[union-attr]
            assert f"| `{key}` |" in reference, f"{heading} {key} is not documented"


def test_every_contract_table_is_in_the_schema_reference() -> None:
    from wirewatch.storage.models import metadata

    reference = section("Schema reference")
    for table in metadata.tables.values():
        assert f"### `{table.name}`" in reference, table.name
        for column in table.columns:
            assert f"`{column.name}`" in reference, f"{table.name}.{column.name}"
