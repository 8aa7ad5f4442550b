"""The README cannot drift from the code: every command and every saved query is in it; it
stays short, and every relative link in it and in docs/ leads to a file and heading that exist."""

from __future__ import annotations

import re
import sys
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


# -- the README stays short, and no link in README.md or docs/ leads nowhere --------------------

REPO = Path(__file__).resolve().parents[1]
README_LIMIT = 15_000
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _prose(text: str) -> str:
    """The markdown without its fenced code blocks and inline code (no links live there)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.replace("`", "").lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            slug = _slug(m.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto: ...: not checked here
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            broken.append(f"{path.relative_to(REPO)}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{path.relative_to(REPO)}: {target} (no such heading)")
    return broken


def test_readme_is_short():
    assert len(README) <= README_LIMIT, (
        f"README.md has {len(README)} characters, over {README_LIMIT}: move detail to docs/"
    )


def test_every_relative_link_in_the_readme_and_docs_resolves():
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = [b for f in files for b in _broken_links(f)]
    assert not broken, f"links that lead nowhere: {broken}"


def test_the_link_check_can_fail(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "a.md").write_text("# Title here\n\n## The `x` part\n", encoding="utf-8")
    page = tmp_path / "b.md"
    page.write_text(
        "[ok](a.md) [ok](a.md#title-here) [ok](a.md#the-x-part) [ok](#own) [web](https://x.invalid)\n"
        "[gone](missing.md) [gone](a.md#nowhere) [gone](#not-here)\n\n# Own\n\n"
        "```\n[not a link](in-a-code-block.md)\n```\n",
        encoding="utf-8",
    )
    assert [b.split(": ", 1)[1] for b in _broken_links(page)] == [
        "missing.md (no such file)",
        "a.md#nowhere (no such heading)",
        "#not-here (no such heading)",
    ]
