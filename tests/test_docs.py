"""The README cannot drift from the code: every command and every saved query is in it."""

from __future__ import annotations

from pathlib import Path

from intelgraph.cli import cli
from intelgraph.queries.registry import load_queries

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group, path=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*path, name))
        else:
            yield " ".join((*path, name))


def test_every_command_is_in_the_readme():
    missing = [c for c in _commands(cli) if f"  {c}" not in README and f"intelgraph {c}" not in README]
    assert not missing, f"commands missing from the README's command reference: {missing}"


def test_every_saved_query_is_in_the_readme():
    missing = [n for n in load_queries() if f"| `{n}` |" not in README]
    assert not missing, f"saved queries missing from the README's table: {missing}"


def test_readme_gives_the_two_commands():
    assert "intelgraph demo" in README and "bash tools/test.sh" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "tools/test.sh" in ci
