"""The `hub` group: every command listed resolves, and listing them imports none."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from hub.cli import COMMANDS, SUMMARIES, main


def test_every_listed_command_resolves_to_a_click_command_of_that_name() -> None:
    for name in COMMANDS:
        command = main.get_command(click.Context(main), name)
        assert isinstance(command, click.Command), name
        assert command.name == name


def test_every_command_has_a_summary_in_both_languages() -> None:
    assert set(SUMMARIES) == set(COMMANDS)
    assert all(" / " in summary for summary in SUMMARIES.values())


def test_help_lists_the_commands_without_importing_them() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from hub.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); "
        "print(r.exit_code, 'zeep' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False", "False"]


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
