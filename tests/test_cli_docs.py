"""Every `anju` command has help text with an example and is documented in README or docs/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from anju.cli import app

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, cmd: Any) -> None:
        if getattr(cmd, "commands", None):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(f"{prefix} {name}", sub)
        else:
            found.append((prefix, cmd))

    walk("anju", root)
    return found


def docs_text() -> str:
    parts = [(ROOT / "README.md").read_text("utf-8")]
    parts += [p.read_text("utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(parts)


COMMANDS = commands()


def test_commands_found() -> None:
    names = {n for n, _ in COMMANDS}
    assert {
        "anju demo",
        "anju gateway serve",
        "anju edge run",
        "anju edge check-config",
        "anju sim run",
    } <= names


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_example(name: str, cmd: Any) -> None:
    assert cmd.help and cmd.help.strip(), f"{name} has no help text"
    assert "Example:" in cmd.help, f"{name}: help text needs an 'Example:' line"


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_is_documented(name: str, cmd: Any) -> None:
    assert f"`{name}" in docs_text(), f"{name} is not documented in README.md or docs/*.md"
