"""The hostile-input corpus (tests/hostile/, made by make_corpus.py): every file is refused
with a message naming the file, the record and the field, exit status 1, and the graph is
left exactly as it was (counts and checksum)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from intelgraph.api import load_paths
from intelgraph.cli import cli
from intelgraph.cypher.falkor import FalkorStore
from intelgraph.errors import InputErrors
from intelgraph.loaders import early as early_mod
from intelgraph.loaders.api import load_sample
from intelgraph.loaders.bulk import stage_csv
from intelgraph.loaders.columnar import plain_csv
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files

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
    load_sample(st)
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


# -- text from sources (issue 14 items 4, 6, 9, 10) ---------------------------------------------
# Refused at load on every path; escaped on every output; formulas neutralised in CSV for people.

#: What a hostile text value may do to a terminal (OSC 52 clipboard, OSC 8 link, CSI, bidi override).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OSC8 = "\x1b]8;;https://evil.example/\x07"


def _tamper(path: Path, line: int, suffix: str, quoted: bool) -> None:
    """Append ``suffix`` to the last field of ``line`` (0-based) of a CSV file, quoting that field
    (which keeps Arrow away: the row-wise fast path reads it) when ``quoted``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    head, _, last = lines[line].rpartition(",")
    lines[line] = f'{head},"{last}{suffix}"' if quoted else f"{head},{last}{suffix}"
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def generated_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen-text")
    generate(out, 300, seed=11)
    return out


def _problems(exc: InputErrors) -> list[tuple[str, str, str, str]]:
    return sorted((Path(p.file).name, p.record, p.field, p.reason) for p in exc.problems)


@pytest.mark.parametrize("quoted", [False, True], ids=["arrow", "rows"])
def test_control_characters_in_csv_are_refused_the_same_on_every_path(server, generated_csv, tmp_path,
                                                                        monkeypatch, quoted):
    """The same hostile values (an OSC 8 link in a node's evidence, a bidi override in a
    relationship's evidence) through the thorough reader, the fast reader (Arrow for plain files,
    row by row for quoted ones), the early write into an empty graph and the early check of a
    graph that holds something: the same problems every time, and nothing written."""
    files = tmp_path / "in"
    shutil.copytree(generated_csv, files)
    _tamper(files / "nodes_Person.csv", 2, OSC8, quoted)
    _tamper(files / "rels_ABOUT.csv", 2, "\u202egnp.exe", quoted)
    paths = list(iter_files(files))
    assert plain_csv(files / "nodes_Person.csv") is not quoted and plain_csv(files / "rels_ABOUT.csv") is not quoted
    wanted = {("nodes_Person.csv", "row 3", "evidence:string[]"), ("rels_ABOUT.csv", "row 3", "evidence:string[]")}

    st = FalkorStore(server, graph=f"textpaths_{os.getpid()}")
    try:
        st.clear()
        with pytest.raises(InputErrors) as err:
            read_csv_files(paths, store=st)
        expected = _problems(err.value)
        assert wanted <= {p[:3] for p in expected}
        assert any("U+001B (ESC)" in p[3] for p in expected) and any("U+202E" in p[3] for p in expected)
        assert stage_csv(paths, store=st) is None  # the fast reader hands the load to the thorough one

        monkeypatch.setenv(early_mod.EARLY_MIN_BYTES_ENV, str(1 << 40))  # staged whole, then written
        with pytest.raises(InputErrors) as err:
            load_paths(st, paths)
        assert _problems(err.value) == expected
        assert st.counts() == (0, 0)

        monkeypatch.setenv(early_mod.EARLY_MIN_BYTES_ENV, "0")  # nodes written while relationships are read
        with pytest.raises(InputErrors) as err:
            load_paths(st, paths)
        assert _problems(err.value) == expected
        assert st.counts() == (0, 0)

        load_sample(st)  # a graph that holds something: rows checked read-only while read
        counts, checksum = st.counts(), st.checksum()
        with pytest.raises(InputErrors) as err:
            load_paths(st, paths)
        assert _problems(err.value) == expected
        assert st.counts() == counts and st.checksum() == checksum
    finally:
        st.clear()
        st.close()


def test_bidi_marks_and_line_breaks_stay_where_they_belong(store, tmp_path):
    """LRM, RLM and ALM, which Arabic-sourced quotes carry, are kept; so are line breaks and tabs
    in quotes and descriptions."""
    quote = "\u200fقال المتحدث\u200e: «لا»\u061c"
    (tmp_path / "doc.txt").write_text(f"The spokesman said: {quote}\nEnd.", encoding="utf-8")
    (tmp_path / "ds.yaml").write_text(
        "dataset: marks\nsources:\n- {ref: doc, kind: Document, name: Statement, file: doc.txt}\n"
        "entities:\n- ref: s\n  kind: Person\n  name: The spokesman\n  description: \"first line\\n\\tsecond\"\n"
        f"  evidence: [{{source: doc, quote: \"{quote}\"}}]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(store.server.dir), "--graph", store.name, "load", "--quiet",
                                      str(tmp_path / "ds.yaml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    desc, evidence = store.read("MATCH (n:Person) RETURN n.description, n.evidence").rows[0]
    assert desc == "first line\n\tsecond" and evidence[0].endswith(quote)


def _cli(store, *args: str):
    return CliRunner().invoke(cli, ["--db", str(store.server.dir), "--graph", store.name, *args],
                              catch_exceptions=False)


def test_yaml_numbers_follow_yaml_1_2(store, tmp_path):
    """`010` is ten (not eight, as YAML 1.1 reads it); `NO` is Norway's code, not false."""
    (tmp_path / "doc.txt").write_text("Norway shipped it in ten legs.", encoding="utf-8")
    (tmp_path / "ds.yaml").write_text(
        "dataset: yaml12\nsources:\n- {ref: doc, kind: Document, name: Memo, file: doc.txt}\n"
        "entities:\n- {ref: no, kind: Country, name: Norway, iso2: NO, evidence: [{source: doc, quote: Norway}]}\n"
        "- {ref: s, kind: Shipment, name: S, evidence: [{source: doc, quote: shipped}]}\n"
        "- {ref: l, kind: Leg, shipment: s, order: 010, mode: sea, evidence: [{source: doc, quote: ten legs}]}\n",
        encoding="utf-8")
    result = _cli(store, "load", "--quiet", str(tmp_path / "ds.yaml"))
    assert result.exit_code == 0, result.output
    assert store.read("MATCH (n:Country) RETURN n.iso2").scalar() == "NO"
    assert store.read("MATCH (n:Leg) RETURN n.order").scalar() == 10
