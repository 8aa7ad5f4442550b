"""The hostile-input corpus (tests/hostile/, made by make_corpus.py): every file is refused
with a message naming the file, the record and the field, exit status 1, and the graph is
left exactly as it was (counts and checksum)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from intelgraph.cli import cli
from intelgraph.cypher.falkor import FalkorStore
from intelgraph.api import load_paths

HOSTILE = Path(__file__).resolve().parent / "hostile"
EXPECTED: dict[str, str] = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
RECORD = re.compile(r"(line \d+|row \d+|\w+\[\d+\]|\(file\))")


def test_corpus_is_large_enough_and_complete():
    files = {p.name for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".json", ".csv")} - {"expected.json"}
    assert len(EXPECTED) >= 40
    assert set(EXPECTED) == files


@pytest.fixture(scope="module")
def loaded(server):
    graph = f"hostile_{os.getpid()}"
    st = FalkorStore(server, graph=graph)
    st.clear()
    load_paths(st, [], sample=True)
    yield st, graph, st.counts(), st.checksum()
    st.clear()
    st.close()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_and_nothing_changes(loaded, server, name):
    st, graph, counts, checksum = loaded
    path = HOSTILE / name
    result = CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", graph, "load", "--quiet", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.startswith("error: ") and str(path) in out, out[:500]
    assert RECORD.search(out), out[:500]
    field = EXPECTED[name]
    if field != "(file)":
        assert f"field {field!r}" in out, out[:800]
    assert "hint:" in out
    assert len(out) < 20_000, "an error message must not echo a huge field"
    assert st.counts() == counts
    assert st.checksum() == checksum
