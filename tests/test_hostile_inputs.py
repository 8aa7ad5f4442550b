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
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import InputErrors
from intelgraph.loaders import early as early_mod
from intelgraph.loaders.bulk import stage_csv
from intelgraph.loaders.columnar import plain_csv
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files

HOSTILE = Path(__file__).resolve().parent / "hostile"
EXPECTED: dict[str, str] = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
SLOW = {"huge-field.yaml"}  # ten seconds and more: pytest -m "not slow" leaves it out
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


@pytest.mark.slow
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(EXPECTED)])
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


@pytest.mark.slow
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
        clean = stage_csv(list(iter_files(generated_csv)), store=st)
        assert clean is not None  # the untouched files are the fast reader's ...
        clean.close()
        assert stage_csv(paths, store=st) is None  # ... the hostile values make it hand them to the thorough one

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

        load_paths(st, [], sample=True)  # a graph that holds something: rows checked read-only while read
        counts, checksum = st.counts(), st.checksum()
        with pytest.raises(InputErrors) as err:
            load_paths(st, paths)
        assert _problems(err.value) == expected
        assert st.counts() == counts and st.checksum() == checksum
    finally:
        st.clear()
        st.close()


@pytest.mark.parametrize("source", ["Memo\n", "Memo \x1b[2J", "\u202eMemo"])
def test_a_source_name_for_the_whole_load_meets_the_text_rule(store, tmp_path, source):
    """`load --source NAME` names a Document: the same rule as any name, on the fast path too."""
    people = tmp_path / "people.csv"
    people.write_text("name:ID(Person),:LABEL\nAlice Example,Person\n", encoding="utf-8")
    for load in (lambda: read_csv_files([people], source=source, store=store),
                 lambda: load_paths(store, [people], source=source)):
        with pytest.raises(InputErrors) as err:
            load()
        first = err.value.problems[0]
        assert (first.file, first.record, first.field) == ("(--source)", "(option)", "source")
        assert "U+" in first.reason
    assert store.counts() == (0, 0)


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


def test_yaml_numbers_are_read_only_where_yaml_1_1_and_1_2_agree(store, tmp_path):
    """`NO` is Norway's code, not false; `1e5` (a name a YAML 1.1 dumper writes unquoted) is text;
    `010` (octal 8 to YAML 1.1, ten to YAML 1.2) is refused where a number is expected."""
    (tmp_path / "doc.txt").write_text("Norway shipped it in ten legs; 1e5 was aboard.", encoding="utf-8")
    text = ("dataset: yaml12\nsources:\n- {ref: doc, kind: Document, name: Memo, file: doc.txt}\n"
            "entities:\n- {ref: no, kind: Country, name: Norway, iso2: NO, evidence: [{source: doc, quote: Norway}]}\n"
            "- {ref: p, kind: Person, name: 1e5, evidence: [{source: doc, quote: 1e5 was aboard}]}\n"
            "- {ref: s, kind: Shipment, name: S, evidence: [{source: doc, quote: shipped}]}\n"
            "- {ref: l, kind: Leg, shipment: s, order: ORDER, mode: sea, evidence: [{source: doc, quote: ten legs}]}\n")
    (tmp_path / "ds.yaml").write_text(text.replace("ORDER", "010"), encoding="utf-8")
    refused = _cli(store, "load", "--quiet", str(tmp_path / "ds.yaml"))
    assert refused.exit_code == 1 and "field 'order'" in refused.output and "'010'" in refused.output
    assert store.counts() == (0, 0)
    (tmp_path / "ds.yaml").write_text(text.replace("ORDER", "10"), encoding="utf-8")
    result = _cli(store, "load", "--quiet", str(tmp_path / "ds.yaml"))
    assert result.exit_code == 0, result.output
    assert store.read("MATCH (n:Country) RETURN n.iso2").scalar() == "NO"
    assert store.read("MATCH (n:Person) RETURN n.name").scalar() == "1e5"
    assert store.read("MATCH (n:Leg) RETURN n.order").scalar() == 10


HOSTILE_DESCRIPTION = ("clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07 link " + OSC8 + "here\x1b]8;;\x07 csi \x9b2J "
                       "override \u202etxt.exe cr\roverwritten line\nnext\tcolumn")


def test_text_already_in_the_graph_is_escaped_in_every_output_format(store):
    """Data written by ad-hoc `cypher --write` (which the load rules never saw) is printed by
    `cypher` and `query run` with its control characters escaped, in every format; the JSON
    still reads back as the stored value."""
    load_paths(store, [], sample=True)  # the schema's indexes, which `query run search` reads
    made = _cli(store, "cypher", "--write", "CREATE (:Entity:Actor:Person {id: 'person:hostile', kind: 'Person', "
                "name: $n, aliases: $a, description: $d}) RETURN 1",
                "-p", "n", json.dumps("Mallory \u202eyrollaM"), "-p", "a", json.dumps(["\x1b[2JMal"]),
                "-p", "d", json.dumps(HOSTILE_DESCRIPTION))
    assert made.exit_code == 0, made.output
    read = ["cypher", "MATCH (n:Person {id: 'person:hostile'}) RETURN n.name AS name, n.aliases AS aliases, n.description AS description"]
    search = ["query", "run", "search", "-p", "text", "mallory"]
    for command in (read, search):
        for fmt in ("table", "json", "csv"):
            result = _cli(store, *command, "--format", fmt)
            assert result.exit_code == 0, result.output
            out = result.output
            assert RAW.search(out) is None, (command[0], fmt, out)
            if fmt == "json":
                row = json.loads(out)[0]
                assert row["name"] == "Mallory \u202eyrollaM" and row["aliases"] == ["\x1b[2JMal"]
                if "description" in row:
                    assert row["description"] == HOSTILE_DESCRIPTION
            elif fmt == "table":
                assert "Mallory \\u202eyrollaM" in out and "\\x1b[2JMal" in out
    table = _cli(store, *read, "--format", "table").output
    assert "clipboard \\x1b]52;c;" in table and len(table.splitlines()) == 4  # header, rule, one row, count
    # an error that lists names from the graph escapes them too
    _cli(store, "cypher", "--write", "UNWIND $names AS n "
         "CREATE (:Entity:Actor:Person {id: 'person:' + n, kind: 'Person', name: n, name_lc: 'eve'})",
         "-p", "names", json.dumps(["Eve \x1b[2J", "EVE \x1b]52;c;aGk=\x07"]))
    ambiguous = _cli(store, "query", "run", "connections", "-p", "from", "eve", "-p", "to", "Iran")
    assert ambiguous.exit_code == 1 and "names 2 entities" in ambiguous.output
    assert RAW.search(ambiguous.output) is None and "Eve \\x1b[2J" in ambiguous.output
    rows = list(csv.reader(io.StringIO(_cli(store, *read, "--format", "csv").output)))
    assert rows[1][2] == HOSTILE_DESCRIPTION.replace("\x1b", "\\x1b").replace("\x07", "\\x07").replace(
        "\x9b", "\\x9b").replace("\u202e", "\\u202e").replace("\r", "\\x0d")  # tab and newline kept in CSV


FORMULAS = ["=cmd|' /c calc'!A1", "@SUM(1+1)*cmd|' /c calc'!A0", "+1+cmd|' /c calc'!A0", "-2+3+cmd|' /c calc'!A0"]


def test_csv_for_people_neutralises_formulas_but_never_numbers(store):
    """`--format csv`: text cells a spreadsheet would run as a formula get a leading quote; numbers,
    and text that is a number (a negative longitude), do not; `--csv-raw` writes them as stored."""
    load_paths(store, [], sample=True)  # the schema's indexes, which `query run search` reads
    names = [*FORMULAS, "-44.2", "Plain name"]
    made = _cli(store, "cypher", "--write", "UNWIND range(0, size($names) - 1) AS i "
                "CREATE (:Entity:Place:City {id: 'city:' + toString(i), kind: 'City', name: $names[i], lon: -44.2, probe: 1})",
                "-p", "names", json.dumps(names))
    assert made.exit_code == 0, made.output
    query = ["cypher", "MATCH (n:City {probe: 1}) RETURN n.name AS name, n.lon AS lon, -1 AS minus ORDER BY n.id", "--format", "csv"]
    rows = list(csv.reader(io.StringIO(_cli(store, *query).output)))
    assert rows[0] == ["name", "lon", "minus"]
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS] + ["-44.2", "Plain name"]
    assert {(r[1], r[2]) for r in rows[1:]} == {("-44.2", "-1")}
    raw = list(csv.reader(io.StringIO(_cli(store, *query, "--csv-raw").output)))
    assert [r[0] for r in raw[1:]] == names
    # the same rule for a saved query
    found = list(csv.reader(io.StringIO(_cli(store, "query", "run", "search", "-p", "text", "cmd",
                                             "--format", "csv").output)))
    assert found[1:] and all(r[0].startswith("'") for r in found[1:])


def test_report_draws_names_as_plain_text_and_escapes_markup(store, tmp_path):
    """A name like `$\\nope$` once broke the drawing (matplotlib read it as maths); names with HTML,
    Markdown or formulas reach report.md / report.html / centrality.csv as text, not markup."""
    names = ["$\\nope$", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil.example\")", "*bold* [x](y) | $x^2$"]
    made = _cli(store, "cypher", "--write", "UNWIND range(0, size($names) - 1) AS i "
                "CREATE (:Entity:Actor:Person {id: 'person:' + toString(i), kind: 'Person', name: $names[i]}) "
                "WITH collect(i) AS ids MATCH (a:Person), (b:Person) WHERE a.id < b.id "
                "CREATE (a)-[:ASSOCIATED_WITH {id: 'rel:' + a.id + b.id}]->(b)", "-p", "names", json.dumps(names))
    assert made.exit_code == 0, made.output
    out = tmp_path / "report"
    result = _cli(store, "report", "centrality", "--out", str(out), "--projection", "actors")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader((out / "centrality.csv").open(encoding="utf-8"))}
    assert rows["person:2"]["name"] == "'" + names[2] and rows["person:0"]["name"] == names[0]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "\\<script\\>alert(1)\\</script\\>" in md
    assert "\\$\\\\nope\\$" in md and "\\*bold\\* \\[x\\](y) \\| \\$x^2\\$" in md
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert (out / "network.png").read_bytes()[:4] == b"\x89PNG"
    raw = tmp_path / "raw"
    assert _cli(store, "report", "centrality", "--out", str(raw), "--projection", "actors", "--csv-raw").exit_code == 0
    assert {r["name"] for r in csv.DictReader((raw / "centrality.csv").open(encoding="utf-8"))} == set(names)
    # the labels are drawn as the literal text: in an SVG (text kept as text) they read as given
    from intelgraph.reports.drawing import draw_network
    from intelgraph.reports.projection import project

    G = project(store, "actors").graph
    measures = {"pagerank": {n: 1.0 for n in G}, "community": {n: 0 for n in G}}
    draw_network(G, measures, tmp_path / "net.svg", label_top=4)
    svg = (tmp_path / "net.svg").read_text(encoding="utf-8")
    assert "$\\nope$" in svg and "*bold* [x](y) | $x^2$" in svg


def test_admin_export_keeps_formula_text_as_stored(store, tmp_path):
    """The neo4j-admin export is a machine format: a name that looks like a formula is written
    and re-imported unchanged."""
    from intelgraph.loaders.export_admin import export_neo4j_admin
    from intelgraph.loaders.plan import write_plan

    name = "=cmd|'/c calc'!A1"
    (tmp_path / "doc.txt").write_text(f"{name} was named; at -44.2 west.", encoding="utf-8")
    (tmp_path / "ds.yaml").write_text(
        "dataset: formulas\nsources:\n- {ref: doc, kind: Document, name: '@SUM(A1)', file: doc.txt}\n"
        f"entities:\n- ref: p\n  kind: City\n  name: \"{name}\"\n  lon: -44.2\n"
        f"  evidence: [{{source: doc, quote: \"{name} was named\"}}]\n", encoding="utf-8")
    assert _cli(store, "load", "--quiet", str(tmp_path / "ds.yaml")).exit_code == 0
    info = export_neo4j_admin(store, tmp_path / "export")
    assert f",{name}," in (tmp_path / "export" / "City.csv").read_text(encoding="utf-8")
    copy = FalkorStore(store.server, graph=f"{store.name}_copy")
    try:
        copy.clear()
        write_plan(copy, read_csv_files(sorted((tmp_path / "export").glob("*.csv")), store=copy,
                                        array_delimiter=info["array_delimiter"]))
        assert copy.counts() == store.counts() and copy.checksum() == store.checksum()
        assert copy.read("MATCH (n:City) RETURN n.name, n.lon").rows == [[name, -44.2]]
    finally:
        copy.clear()
        copy.close()


def test_search_text_is_normalised_as_names_are(sample_store):
    """Full-width letters, odd spacing and case compare as they do in entity names."""
    from intelgraph.queries.runner import run_saved

    for text in ("ＢＡＮＤＡＲ  ＡＮＺＡＬＩ", "bandar\u3000anzali", "  Bandar   Anzali "):
        hits = run_saved(sample_store, "search", {"text": text}).records()
        assert hits and hits[0]["name"] == "Bandar Anzali" and hits[0]["match"] == "exact", (text, hits)


def test_the_text_rule_examples_hold():
    """The examples in intelgraph.graph.text's docstring are run, so they cannot drift."""
    import doctest

    import intelgraph.graph.text as text

    failed, tried = doctest.testmod(text)
    assert tried >= 5 and failed == 0


def test_the_byte_test_of_a_csv_file_misses_no_refused_character(generated_csv, tmp_path):
    """A plain file whose bytes pass ``may_hold_refused`` skips the column-by-column text check
    on the Arrow path, so the byte test must flag every character the text rule refuses in a
    one-line value (CR and LF aside: in a plain file they only end records). Generated files
    are clean, and so read without the check; one refused character anywhere makes a file not."""
    from intelgraph.graph.text import LINE_BREAKS, REFUSED, may_hold_refused, text_problem
    from intelgraph.loaders.columnar import CsvScan, scan_csv

    refused = [cp for lo, hi in REFUSED + LINE_BREAKS for cp in range(lo, hi + 1) if cp not in (0x0A, 0x0D)]
    assert len(refused) > 60
    for cp in refused:
        assert text_problem(f"a{chr(cp)}b") is not None
        assert may_hold_refused(f"x,a{chr(cp)}b\n".encode()), hex(cp)
    for fine in ("Bandar Anzali", "Işık, Salamja; قال", "São Tomé", "Astrakhan 46.35"):
        assert text_problem(fine) is None and not may_hold_refused(fine.encode())
    files = list(iter_files(generated_csv))
    assert files and all(scan_csv(f) == CsvScan(plain=True, clean=True) for f in files)
    lines = (generated_csv / "nodes_Person.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",", ",\u2066", 1)  # a bidi isolate starting a value
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert scan_csv(path) == CsvScan(plain=True, clean=False)
