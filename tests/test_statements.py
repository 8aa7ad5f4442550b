"""Statement-level provenance (issue 12, point 1): every value is held with the sources that
give it, a second source adds values beside the first, the schema's rule chooses the value
queries see, and load order never changes the graph.

The rule (graph/schema.yaml, ``statements``): lists are unions; a single value is the one of the
best-graded source, then of the latest report, then the smallest. Runs on every configured engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SECOND_STORY as CASPIAN
from test_queries import AJ, MEMO
from intelgraph.api import Graph, load_paths
from intelgraph.errors import InputErrors
from intelgraph.queries.runner import run_saved

STORY = Path(__file__).resolve().parent / "data" / "story-aurora" / "aurora.yaml"
ATLAS = "Atlas of the Inner Sea"
GAZETTE = "Harbour Gazette report on the Aurora"


def q(store, name, *columns, **params):
    return [tuple(r[c] for c in columns) for r in run_saved(store, name, params).records()]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# two stories from two outlets that describe the same country and the same port differently
STORY_A = """dataset: a
sources:
  - {ref: wire, kind: Document, name: Wire report, date: 2022-04-13, reliability: C, file: wire.txt}
entities:
  - {ref: us, kind: Country, name: United States, aliases: [America, US],
     evidence: [{source: wire, quote: "the United States"}]}
  - {ref: port, kind: Port, name: Astrakhan, lat: 46.35, lon: 48.03, description: A Caspian port,
     evidence: [{source: wire, quote: "the port of Astrakhan"}]}
  - {ref: body, kind: StateBody, name: Caspian Flotilla Command, body_type: command,
     evidence: [{source: wire, quote: "the flotilla's command"}]}
"""
STORY_B = """dataset: b
sources:
  - {ref: daily, kind: Document, name: Daily report, date: 2023-06-01, reliability: C, file: daily.txt}
entities:
  - {ref: us, kind: Country, name: United States, aliases: [U.S.],
     evidence: [{source: daily, quote: "The U.S. says"}]}
  - {ref: port, kind: Port, name: Astrakhan, lat: 46.34, lon: 48.04, description: A Volga delta port,
     evidence: [{source: daily, quote: "Astrakhan, on the Volga delta"}]}
  - {ref: body, kind: StateBody, name: Caspian Flotilla Command, body_type: armed_forces,
     evidence: [{source: daily, quote: "the flotilla"}]}
"""


WIRE = "Officials of the United States said the port of Astrakhan and the flotilla's command were involved."
DAILY = "The U.S. says Astrakhan, on the Volga delta, is where the flotilla loads."


def stories(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path / "wire.txt", WIRE)
    write(tmp_path / "daily.txt", DAILY)
    return write(tmp_path / "a.yaml", STORY_A), write(tmp_path / "b.yaml", STORY_B)


def _load(store, *files) -> None:
    for f in files:
        load_paths(store, [f])


def test_second_source_adds_aliases_beside_the_first(engine_store, tmp_path):
    a, b = stories(tmp_path)
    _load(engine_store, a, b)
    aliases = engine_store.read("MATCH (n:Country {name: 'United States'}) RETURN n.aliases").scalar()
    # a union, not a replacement: both outlets are graded C, so the later report's come first
    assert aliases == ["U.S.", "America", "US"]
    assert engine_store.read("MATCH (n:Entity) WHERE 'u.s.' IN n.aliases_lc AND 'us' IN n.aliases_lc "
                             "RETURN count(n)").scalar() == 1


def test_load_order_never_changes_the_graph(engine_store, tmp_path):
    a, b = stories(tmp_path)
    _load(engine_store, a, b)
    ab = engine_store.checksum(provenance_as_sets=True)
    engine_store.clear()
    _load(engine_store, b, a)
    assert engine_store.checksum(provenance_as_sets=True) == ab
    # the later report wins among equal grades: the Daily report (2023) over the wire (2022)
    row = engine_store.read("MATCH (n:Port {name: 'Astrakhan'}) RETURN n.lat, n.lon, n.description").rows[0]
    assert row == [46.34, 48.04, "A Volga delta port"]
    assert engine_store.read("MATCH (n:StateBody) RETURN n.body_type").scalar() == "armed_forces"


def test_conflicts_query_on_two_stories(engine_store, tmp_path):
    _load(engine_store, *stories(tmp_path))
    rows = q(engine_store, "conflicts", "entity", "property", "value", "chosen", "sources")
    assert rows == [
        ("Astrakhan", "description", "A Volga delta port", True, ["Daily report"]),
        ("Astrakhan", "description", "A Caspian port", False, ["Wire report"]),
        ("Astrakhan", "lat", "46.34", True, ["Daily report"]),
        ("Astrakhan", "lat", "46.35", False, ["Wire report"]),
        ("Astrakhan", "lon", "48.04", True, ["Daily report"]),
        ("Astrakhan", "lon", "48.03", False, ["Wire report"]),
        ("Caspian Flotilla Command", "body_type", "armed_forces", True, ["Daily report"]),
        ("Caspian Flotilla Command", "body_type", "command", False, ["Wire report"]),
    ]


def test_story_conflicting_coordinate(engine_store):
    load_paths(engine_store, [STORY])
    # the atlas (graded A) over the Gazette (B): best-graded source first
    assert q(engine_store, "conflicts", "entity", "property", "value", "chosen", "sources") == [
        ("Port Vell", "lat", "41.37", True, [ATLAS]),
        ("Port Vell", "lat", "41.35", False, [GAZETTE]),
        ("Port Vell", "lon", "2.18", True, [ATLAS]),
        ("Port Vell", "lon", "2.17", False, [GAZETTE]),
    ]
    assert engine_store.read("MATCH (n:Port {name: 'Port Vell'}) RETURN n.lat, n.lon").rows[0] == [41.37, 2.18]


# -- the sample story and a second story that describes three of its entities otherwise --------
COURIER = "Caspian Courier on shells for Astrakhan"
# the second story as neo4j-admin CSV, with one --source for the whole file (ungraded, undated)
CASPIAN_CSV = """name:ID(Entity),:LABEL,aliases:string[],lat:float,lon:float,description,body_type
United States,Country,U.S.,,,,
Astrakhan,Port,,46.34,48.03,Russian Volga port where Iranian artillery shells were landed.,
Joint Operations Command,StateBody,,,,,armed_forces
"""


def _orders(store, first: list, second: list, **csv) -> tuple[set[str], list[str]]:
    """The graph's checksums after loading ``first`` then ``second``, and after the other order;
    and how each load was written (:attr:`LoadResult.path`)."""
    sums, paths = set(), []
    for a, b in ((first, second), (second, first)):
        store.clear()
        for part in (a, b):
            paths.append(load_paths(store, [p for p in part if p != "sample"], sample="sample" in part,
                                    **(csv if any(str(p).endswith(".csv") for p in part) else {})).path)
        sums.add(store.checksum(provenance_as_sets=True))
    return sums, paths


@pytest.mark.slow
def test_sample_and_a_second_story_in_either_order(engine_store):
    """Issue 12's finding: a later source silently replaced the sample's aliases of the United
    States, Astrakhan's coordinates and description and a body's type. Now both are kept, and the
    graph is the same whichever story is loaded first, or both at once."""
    sums, _ = _orders(engine_store, ["sample"], [CASPIAN])
    assert len(sums) == 1
    engine_store.clear()
    load_paths(engine_store, [CASPIAN], sample=True)
    assert {engine_store.checksum(provenance_as_sets=True)} == sums
    read = engine_store.read
    # a union, best-ranked source first: the Courier (B, 2023) over the articles (C)
    assert read("MATCH (n:Country {name: 'United States'}) RETURN n.aliases").scalar() == ["U.S.", "America", "US"]
    assert read("MATCH (n:Port {name: 'Astrakhan'}) RETURN n.lat, n.lon").rows == [[46.34, 48.03]]
    assert read("MATCH (n:StateBody {name: 'Joint Operations Command'}) RETURN n.body_type").scalar() == "armed_forces"
    # the same fact from both stories: one relationship, its sources added up
    assert sorted(read("MATCH (:Port {name: 'Astrakhan'})-[r:LOCATED_IN]->(:Country {name: 'Russia'}) "
                       "UNWIND r.sources AS s MATCH (d:Entity {id: s}) RETURN d.name").rows) == [[COURIER], [MEMO]]
    # the conflicts query's exact rows on these two stories: tests/test_queries.py::test_conflicts
    assert len(q(engine_store, "conflicts", "entity")) == 8
    # Russia: the Courier gives its name, not its ISO code; nothing conflicts
    assert [(r["property"], r["value"], r["source"]) for r in Graph(engine_store).show("Russia")
            if r["property"] == "iso2"] == [("iso2", "RU", AJ), ("iso2", "RU", MEMO)]


@pytest.mark.slow
def test_sample_and_a_second_story_as_csv_in_either_order(engine_store, tmp_path):
    """The same, the second story a CSV file under one ungraded, undated --source: the sample's
    graded articles win every single value, whichever came first. On FalkorDB the CSV takes the
    fast path into the empty graph and merges into the sample's nodes by the one rule."""
    csv = write(tmp_path / "caspian.csv", CASPIAN_CSV)
    sums, paths = _orders(engine_store, ["sample"], [csv], source=COURIER)
    assert len(sums) == 1
    fast = engine_store.engine == "falkordb"
    assert paths == ["dataset", "merge" if fast else "classic", "fresh" if fast else "classic", "dataset"]
    read = engine_store.read
    assert read("MATCH (n:Country {name: 'United States'}) RETURN n.aliases").scalar() == ["America", "US", "U.S."]
    assert read("MATCH (n:Port {name: 'Astrakhan'}) RETURN n.lat, n.lon").rows == [[46.35, 48.04]]
    assert [r[:4] for r in q(engine_store, "conflicts", "entity", "property", "value", "chosen", "sources")] == [
        ("Astrakhan", "description", "Russian port on the Volga delta, reached across the Caspian Sea.", True),
        ("Astrakhan", "description", "Russian Volga port where Iranian artillery shells were landed.", False),
        ("Astrakhan", "lat", "46.35", True), ("Astrakhan", "lat", "46.34", False),
        ("Astrakhan", "lon", "48.04", True), ("Astrakhan", "lon", "48.03", False),
        ("Joint Operations Command", "body_type", "command", True),
        ("Joint Operations Command", "body_type", "armed_forces", False),
    ]


@pytest.mark.slow
def test_export_keeps_every_value(engine_store, tmp_path):
    """`intelgraph export neo4j-admin` writes every source's values (``statements:string[]``);
    loading the files back gives the same graph, conflicts and all."""
    from intelgraph.loaders.export_admin import export_neo4j_admin

    load_paths(engine_store, [CASPIAN], sample=True)
    digest, conflicts = engine_store.checksum(provenance_as_sets=True), q(engine_store, "conflicts", "entity", "value")
    info = export_neo4j_admin(engine_store, tmp_path / "out")
    assert info["skipped_properties"] == {}
    assert "statements:string[]" in (tmp_path / "out" / "Port_header.csv").read_text(encoding="utf-8")
    files = sorted((tmp_path / "out").glob("*.csv"))
    engine_store.clear()
    load_paths(engine_store, files, array_delimiter=info["array_delimiter"])
    assert engine_store.checksum(provenance_as_sets=True) == digest
    assert q(engine_store, "conflicts", "entity", "value") == conflicts and len(conflicts) == 8
    # a statement naming a source the row does not give, or a value not of the property's type,
    # is refused, and nothing is written
    port = tmp_path / "out" / "Port.csv"
    exported = port.read_text(encoding="utf-8")
    engine_store.clear()
    for bad, reason in ((('""lat"",""document:', '""lat"",""informant:'), "is not one of the record's sources"),
                        (("46.35]", '""north""]'), "lat: expected a number, got 'north'")):
        port.write_text(exported.replace(*bad), encoding="utf-8")
        with pytest.raises(InputErrors) as exc:
            load_paths(engine_store, files, array_delimiter=info["array_delimiter"])
        assert [(Path(p.file).name, p.field) for p in exc.value.problems] == [("Port.csv", "statements")]
        assert reason in exc.value.problems[0].reason
        assert engine_store.counts() == (0, 0)


def test_the_sample_alone_has_no_conflicts(engine_sample_store):
    assert q(engine_sample_store, "conflicts", "entity") == []


# the same two accounts as neo4j-admin CSV, each file with its own --source document
CSV_A = """name:ID(Entity),:LABEL,aliases:string[],lat:float,lon:float,description
United States,Country,America;US,,,
Astrakhan,Port,,46.35,48.03,A Caspian port
"""
CSV_B = """name:ID(Entity),:LABEL,aliases:string[],lat:float,lon:float,description
United States,Country,U.S.,,,
Astrakhan,Port,,46.34,48.04,A Volga delta port
"""


def test_csv_load_order_never_changes_the_graph(engine_store, tmp_path):
    """On FalkorDB the first file goes into the empty graph by the fast path and the second is
    merged into it (its known nodes through the one rule); on Neo4j both by the classic path."""
    a, b = write(tmp_path / "a.csv", CSV_A), write(tmp_path / "b.csv", CSV_B)
    first = load_paths(engine_store, [a], source="Wire report")
    second = load_paths(engine_store, [b], source="Daily report")
    if engine_store.engine == "falkordb":
        assert (first.path, second.path) == ("fresh", "merge")
    ab = engine_store.checksum(provenance_as_sets=True)
    assert engine_store.read("MATCH (n:Country) RETURN n.aliases").scalar() == ["America", "US", "U.S."]
    engine_store.clear()
    load_paths(engine_store, [b], source="Daily report")
    load_paths(engine_store, [a], source="Wire report")
    assert engine_store.checksum(provenance_as_sets=True) == ab
    # neither document is graded or dated: the smallest value is chosen, whatever came first
    assert engine_store.read("MATCH (n:Port) RETURN n.lat, n.lon, n.description").rows[0] == [
        46.34, 48.03, "A Caspian port"]
    assert len(q(engine_store, "conflicts", "entity")) == 6


def test_one_source_contradicting_itself_is_refused(engine_store, tmp_path):
    write(tmp_path / "wire.txt", WIRE)
    bad = write(tmp_path / "bad.yaml", STORY_A + """  - {ref: port2, kind: Port, name: Astrakhan, lat: 46.0,
     evidence: [{source: wire, quote: "the port of Astrakhan"}]}
""")
    with pytest.raises(InputErrors) as exc:
        load_paths(engine_store, [bad])
    assert [(p.record, p.field) for p in exc.value.problems] == [("line 11 (entities[3])", "lat")]
    assert "from the same source" in exc.value.problems[0].reason and "46.35" in exc.value.problems[0].reason
    assert engine_store.counts() == (0, 0)
    csv = write(tmp_path / "bad.csv", CSV_A + "Astrakhan,Port,,46.0,48.03,A Caspian port\n")
    with pytest.raises(InputErrors) as exc:
        load_paths(engine_store, [csv], source="Wire report")
    assert [(p.record, p.field) for p in exc.value.problems] == [("row 4", "lat")]
    assert engine_store.counts() == (0, 0)


SHOW = ("property", "value", "chosen", "source", "reliability", "date", "quotes")


def test_show_lists_every_value_with_its_sources(engine_store):
    load_paths(engine_store, [STORY])
    rows = [tuple(r[c] for c in SHOW) for r in Graph(engine_store).show("Port Vell")]
    atlas = ("A", None, ["Port Vell lies at 41.37 N, 2.18 E."])
    gazette = ("B", "2023-05-01", ["Port Vell (41.35 N, 2.17 E)"])
    assert rows == [
        ("lat", 41.37, True, ATLAS, *atlas),
        ("lat", 41.35, False, GAZETTE, *gazette),
        ("lon", 2.18, True, ATLAS, *atlas),
        ("lon", 2.17, False, GAZETTE, *gazette),
        ("name", "Port Vell", True, ATLAS, *atlas),
        ("name", "Port Vell", True, GAZETTE, *gazette),
    ]
    # a node all of whose sources agree holds no statements of its own: its values, its sources
    assert engine_store.read("MATCH (n:Materiel) RETURN n.statements").scalar() is None
    assert [tuple(r[c] for c in SHOW[:4]) for r in Graph(engine_store).show("Rifles")] == [
        ("materiel_type", "small arms", True, GAZETTE), ("name", "Rifles", True, GAZETTE)]


def test_show_on_the_command_line(server, tmp_path):
    from click.testing import CliRunner

    from intelgraph.cli import cli

    base = ["--db", str(server.dir), "--graph", f"show_{tmp_path.name}"]
    runner = CliRunner()
    try:
        assert runner.invoke(cli, [*base, "load", "-q", str(STORY)]).exit_code == 0
        table = runner.invoke(cli, [*base, "show", "port vell"])
        assert table.exit_code == 0, table.output
        lines = table.output.splitlines()
        assert lines[0].split() == ["entity", "kind", *SHOW]
        assert lines[2].split()[:5] == ["Port", "Vell", "Port", "lat", "41.37"] and "True" in lines[2]
        assert lines[-1] == "(6 rows)"
        as_json = runner.invoke(cli, [*base, "show", "Port Vell", "--format", "json"])
        assert [(r["property"], r["value"], r["chosen"]) for r in json.loads(as_json.output)][:2] == [
            ("lat", 41.37, True), ("lat", 41.35, False)]
        missing = runner.invoke(cli, [*base, "show", "Atlantis"])
        assert missing.exit_code != 0 and "no entity named 'Atlantis'" in missing.output
    finally:
        runner.invoke(cli, [*base, "db", "reset", "--yes"])


# -- issue 11, point 9: every load path gives one graph ------------------------------------------
_PATH_SUMS: dict[str, dict[str, str]] = {}  # dataset -> engine -> checksum, across the engines of the run


def _node_files(files: list[Path]) -> list[Path]:
    """The node inputs of an export (a header file whose first column is an :ID, and its data file)."""
    heads = [f for f in files if f.name.endswith("_header.csv") and ":ID" in f.read_text(encoding="utf-8")]
    return [g for h in heads for g in (h, h.with_name(h.name.replace("_header", "")))]


@pytest.mark.slow
@pytest.mark.parametrize("stories", [[], [CASPIAN]], ids=["sample", "sample+caspian"])
def test_every_load_path_gives_one_graph(engine_store, tmp_path, stories):
    """The same data through every load path gives one checksum (provenance lists as sets): the
    YAML datasets; their neo4j-admin export loaded into an empty graph (FalkorDB: the fast path,
    appended in bulk, where the export holds no statements; with the second story it does, and
    the fast reader leaves the files to the thorough reader and the classic path); the export's
    node files first and then all its files (FalkorDB: merged by the fast path into a graph that
    holds some); the export loaded again over the YAML load (changing nothing); and, on Neo4j,
    all of it through the driver. With both engines in the run, their checksums are equal too."""
    from intelgraph.loaders.export_admin import export_neo4j_admin

    store = engine_store
    fast = store.engine == "falkordb"
    assert load_paths(store, stories, sample=True).path == "dataset"
    want = store.checksum(provenance_as_sets=True)
    info = export_neo4j_admin(store, tmp_path / "out")
    files = sorted((tmp_path / "out").glob("*.csv"))
    held = any("statements:string[]" in f.read_text(encoding="utf-8") for f in files if f.name.endswith("_header.csv"))
    assert held == bool(stories)  # the second story's values differ from the sample's
    opts = {"array_delimiter": info["array_delimiter"]}
    assert load_paths(store, files, **opts).path == ("classic" if held or not fast else "merge")
    assert store.checksum(provenance_as_sets=True) == want, "the export loaded over the datasets changed the graph"
    store.clear()
    assert load_paths(store, files, **opts).path == ("classic" if held or not fast else "fresh")
    assert store.checksum(provenance_as_sets=True) == want, "export -> empty graph"
    store.clear()
    nodes = _node_files(files)
    assert 0 < len(nodes) < len(files)
    load_paths(store, nodes, **opts)
    assert store.counts()[1] == 0 and store.counts()[0] > 0
    assert load_paths(store, files, **opts).path == ("classic" if held or not fast else "merge")
    assert store.checksum(provenance_as_sets=True) == want, "export -> a graph holding its nodes"
    sums = _PATH_SUMS.setdefault("+".join(map(str, stories)) or "sample", {})
    sums[store.engine] = want
    assert len(set(sums.values())) == 1, f"the engines' graphs differ: {sums}"


# -- relationships: two outlets give one fact's quantity differently ------------------------------
BULLETIN = "The flotilla consignment carried two Shahed-136 drones to Astrakhan."
DISPATCH = "Officials say the flotilla consignment held three Shahed-136 drones."
def fact_story(ref: str, name: str, date: str, ship: str, quantity: int, said: str) -> str:
    """One outlet's account of the consignment's cargo (its text: ``<ref>.txt``)."""
    return f"""dataset: fact-{ref}
sources:
  - {{ref: {ref}, kind: Document, name: {name}, date: {date}, reliability: C, file: {ref}.txt}}
entities:
  - {{ref: ship, kind: Shipment, name: Flotilla consignment, evidence: [{{source: {ref}, quote: "{ship}"}}]}}
  - {{ref: drone, kind: Materiel, name: Shahed-136, materiel_type: drone,
     evidence: [{{source: {ref}, quote: "Shahed-136 drones"}}]}}
facts:
  - {{type: CONTAINS, from: ship, to: drone, props: {{quantity: {quantity}}},
     evidence: [{{source: {ref}, quote: "{said}"}}]}}
"""


FACT_A = fact_story("bulletin", "Caspian bulletin", "2022-04-13", "The flotilla consignment", 2,
                    "carried two Shahed-136 drones")
FACT_B = fact_story("dispatch", "Volga dispatch", "2023-06-01", "the flotilla consignment", 3,
                    "held three Shahed-136 drones")
CONTAINS = "MATCH (:Shipment)-[r:CONTAINS]->(:Materiel) RETURN r.quantity"


def fact_stories(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path / "bulletin.txt", BULLETIN)
    write(tmp_path / "dispatch.txt", DISPATCH)
    return write(tmp_path / "fa.yaml", FACT_A), write(tmp_path / "fb.yaml", FACT_B)


def test_relationship_values_keep_every_source_whatever_the_order(engine_store, tmp_path):
    """Issue 12 point 1, relationships: a CONTAINS quantity of 2 from one outlet and 3 from
    another are both kept; the rule chooses 3 (both C: the later report), whichever is loaded
    first, or both at once."""
    a, b = fact_stories(tmp_path)
    sums = set()
    for files in ((a, b), (b, a)):
        engine_store.clear()
        _load(engine_store, *files)
        sums.add(engine_store.checksum(provenance_as_sets=True))
        assert engine_store.read(CONTAINS).rows == [[3]]
    engine_store.clear()
    load_paths(engine_store, [a, b])
    sums.add(engine_store.checksum(provenance_as_sets=True))
    assert len(sums) == 1
    stmts = engine_store.read("MATCH ()-[r:CONTAINS]->() RETURN r.statements").scalar()
    assert [json.loads(s) for s in stmts] == [["quantity", _doc_id(engine_store, "Volga dispatch"), 3],
                                              ["quantity", _doc_id(engine_store, "Caspian bulletin"), 2]]
    # loading one story again changes nothing
    load_paths(engine_store, [a])
    assert engine_store.checksum(provenance_as_sets=True) in sums


def _doc_id(store, name: str) -> str:
    return store.read("MATCH (d:Document {name: $n}) RETURN d.id", {"n": name}).scalar()


def test_a_fact_contradicting_itself_is_refused(engine_store, tmp_path):
    a, _ = fact_stories(tmp_path)
    bad = write(tmp_path / "bad.yaml", FACT_A + """  - {type: CONTAINS, from: ship, to: drone, props: {quantity: 5},
     evidence: [{source: bulletin, quote: "carried two Shahed-136 drones"}]}
""")
    with pytest.raises(InputErrors) as exc:
        load_paths(engine_store, [bad])
    assert [(p.record, p.field) for p in exc.value.problems] == [("line 11 (facts[1])", "props.quantity")]
    reason = exc.value.problems[0].reason
    assert "line 9 (facts[0])" in reason and "from the same source" in reason and "instead of 2" in reason
    assert engine_store.counts() == (0, 0)


FACT_NODES = "name:ID(Entity),:LABEL,materiel_type\nFlotilla consignment,Shipment,\nShahed-136,Materiel,drone\n"
FACT_RELS = ":START_ID(Entity),:END_ID(Entity),:TYPE,quantity:int\nFlotilla consignment,Shahed-136,CONTAINS,{}\n"


def test_relationship_values_from_csv_whatever_the_order(engine_store, tmp_path):
    """The same fact as CSV, each load under its own --source (neither graded nor dated: the
    smallest quantity is chosen); every order, and the export loaded back, give one graph."""
    nodes = write(tmp_path / "nodes.csv", FACT_NODES)
    two, three = write(tmp_path / "two.csv", FACT_RELS.format(2)), write(tmp_path / "three.csv", FACT_RELS.format(3))
    loads = ([nodes, two], "Caspian bulletin"), ([nodes, three], "Volga dispatch")
    sums, paths = set(), []
    for order in (loads, loads[::-1]):
        engine_store.clear()
        for files, source in order:
            paths.append(load_paths(engine_store, files, source=source).path)
        sums.add(engine_store.checksum(provenance_as_sets=True))
        assert engine_store.read(CONTAINS).rows == [[2]]
    assert len(sums) == 1
    # on FalkorDB the first load takes the fast path into the empty graph; the second, adding a
    # value to a relationship the graph holds, is merged by the one rule (the classic path)
    assert paths == (["fresh", "classic"] * 2 if engine_store.engine == "falkordb" else ["classic"] * 4)
    assert len(engine_store.read("MATCH ()-[r:CONTAINS]->() RETURN r.statements").scalar()) == 2
    # the export writes the relationship's statements; loaded back, the same graph
    from intelgraph.loaders.export_admin import export_neo4j_admin

    info = export_neo4j_admin(engine_store, tmp_path / "out")
    assert "statements:string[]" in (tmp_path / "out" / "CONTAINS_header.csv").read_text(encoding="utf-8")
    engine_store.clear()
    load_paths(engine_store, sorted((tmp_path / "out").glob("*.csv")), array_delimiter=info["array_delimiter"])
    assert engine_store.checksum(provenance_as_sets=True) in sums
    # one source giving the fact two quantities is refused, naming both rows
    engine_store.clear()
    bad = write(tmp_path / "bad.csv", FACT_RELS.format(2) + "Flotilla consignment,Shahed-136,CONTAINS,5\n")
    with pytest.raises(InputErrors) as exc:
        load_paths(engine_store, [nodes, bad], source="Caspian bulletin")
    assert [(Path(p.file).name, p.record, p.field) for p in exc.value.problems] == [("bad.csv", "row 3", "quantity")]
    assert "row 2" in exc.value.problems[0].reason and "instead of 2" in exc.value.problems[0].reason
    assert engine_store.counts() == (0, 0)


EXPORT_NODES = """id:ID(Entity),:LABEL,name,sources:string[],evidence:string[],materiel_type
document:00000000000000000d01,Entity;Source;Document,Caspian bulletin,document:00000000000000000d01,document:00000000000000000d01 | itself,
document:00000000000000000d02,Entity;Source;Document,Volga dispatch,document:00000000000000000d02,document:00000000000000000d02 | itself,
shipment:0000000000000000000a,Entity;Shipment,Flotilla consignment,document:00000000000000000d01,document:00000000000000000d01 | p. 1,
materiel:0000000000000000000b,Entity;Materiel,Shahed-136,document:00000000000000000d01,document:00000000000000000d01 | p. 1,drone
"""
EXPORT_TIE = ":START_ID(Entity),:END_ID(Entity),:TYPE,id,sources:string[],evidence:string[]{}\n" \
    "shipment:0000000000000000000a,materiel:0000000000000000000b,CONTAINS,rel:00000000000000000c01,{},{} | p. 2{}\n"


def test_a_tie_given_again_without_its_value_keeps_the_value(engine_store, tmp_path):
    """A tie the graph holds with a value, given again without one (the file edited, its column
    dropped; files as an export writes them): by the same source it changes nothing; by another
    source it adds that source and keeps the value. On FalkorDB the row the early check finds
    unchanged (the same provenance) is not written, so nothing is asked of the value (the fast
    path); the other source's row goes to the one rule (the classic path)."""
    d1, d2 = "document:00000000000000000d01", "document:00000000000000000d02"
    nodes = write(tmp_path / "nodes.csv", EXPORT_NODES)
    ties = write(tmp_path / "ties.csv", EXPORT_TIE.format(",quantity:int", d1, d1, ",2"))
    load_paths(engine_store, [nodes, ties])
    before = engine_store.checksum()
    write(ties, EXPORT_TIE.format("", d1, d1, ""))
    again = load_paths(engine_store, [nodes, ties])
    assert engine_store.checksum() == before
    write(ties, EXPORT_TIE.format("", d2, d2, ""))
    other = load_paths(engine_store, [nodes, ties])
    assert engine_store.read(CONTAINS).rows == [[2]]
    assert sorted(engine_store.read("MATCH ()-[r:CONTAINS]->() RETURN r.sources").scalar()) == [d1, d2]
    if engine_store.engine == "falkordb":
        assert (again.path, other.path) == ("merge", "classic")


def test_conflicts_lists_relationship_values(engine_store, tmp_path):
    load_paths(engine_store, list(fact_stories(tmp_path)))
    fact = "Flotilla consignment -[CONTAINS]-> Shahed-136"
    expected = [(fact, "CONTAINS", "quantity", "3", True, ["Volga dispatch"]),
                (fact, "CONTAINS", "quantity", "2", False, ["Caspian bulletin"])]
    assert q(engine_store, "conflicts", "entity", "kind", "property", "value", "chosen", "sources") == expected
    # one entity: the relationships touching it, at either end
    drone = _node_id(engine_store, "Shahed-136")
    assert q(engine_store, "conflicts", "entity", "kind", "property", "value", "chosen", "sources",
             entity=drone) == expected
    assert q(engine_store, "conflicts", "entity", entity=_doc_id(engine_store, "Volga dispatch")) == []


def _node_id(store, name: str) -> str:
    return store.read("MATCH (d:Entity {name: $n}) RETURN d.id", {"n": name}).scalar()


def test_show_lists_the_values_of_relationships_touching_the_entity(engine_store, tmp_path):
    load_paths(engine_store, list(fact_stories(tmp_path)))
    fact = "Flotilla consignment -[CONTAINS]-> Shahed-136"
    rows = [tuple(r[c] for c in ("entity", "kind", *SHOW)) for r in Graph(engine_store).show("Shahed-136")
            if r["kind"] == "CONTAINS"]
    assert rows == [
        (fact, "CONTAINS", "quantity", 3, True, "Volga dispatch", "C", "2023-06-01", ["held three Shahed-136 drones"]),
        (fact, "CONTAINS", "quantity", 2, False, "Caspian bulletin", "C", "2022-04-13",
         ["carried two Shahed-136 drones"]),
    ]
    # from the other end, the same rows; the entity's own values come first
    shown = Graph(engine_store).show("Flotilla consignment")
    assert [r["kind"] for r in shown] == ["Shipment", "Shipment", "CONTAINS", "CONTAINS"]
    assert [r["value"] for r in shown if r["kind"] == "CONTAINS"] == [3, 2]
