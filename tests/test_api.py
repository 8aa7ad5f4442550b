"""The public Python API (:class:`intelgraph.Graph`) on the real embedded engine, and the CLI as
a layer over it: the same rows, the same checks, one name per meaning."""

from __future__ import annotations

import ast
import itertools
import json
import os
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from intelgraph import Graph, LoadResult
from intelgraph.cli import cli
from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.store import to_jsonable
from intelgraph.errors import ExternalAccess, InputErrors, QueryError, ReadOnlyViolation, StoreError
from intelgraph.queries.registry import load_queries

REPO = Path(__file__).resolve().parents[1]
KREBS = REPO / "tests" / "data" / "krebs-2002-911" / "admin"
KREBS_SOURCE = "Krebs 2002, Mapping Networks of Terrorist Cells"
STORY = """\
dataset: story
sources:
  - {ref: doc, kind: Document, name: Field notes, file: doc.txt, reliability: B}
entities:
  - {ref: a, kind: Person, name: Ada Example, evidence: [{source: doc, quote: Ada Example}]}
  - {ref: b, kind: Organisation, name: Bo Corp, evidence: [{source: doc, quote: Bo Corp}]}
facts:
  - {type: MEMBER_OF, from: a, to: b, evidence: [{source: doc, quote: works for}]}
"""


def write_story(folder: Path, text: str = STORY, name: str = "story.yaml") -> Path:
    (folder / "doc.txt").write_text("Ada Example works for Bo Corp.", encoding="utf-8")
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


_n = itertools.count()


@pytest.fixture
def g(server):
    """A Graph on a fresh graph of the session's server (opened as the CLI opens it)."""
    graph = Graph.open(db=server.dir, graph=f"api{next(_n)}_{os.getpid()}")
    graph.reset()
    yield graph
    graph.reset()
    graph.close()


@pytest.fixture
def sample(g):
    g.load_sample()
    return g


def cli_run(g: Graph, *args: str, code: int = 0):
    """The command line on the same data folder and graph as ``g``."""
    assert g.settings is not None
    result = CliRunner().invoke(cli, ["--db", str(g.settings.data_dir), "--graph", g.settings.graph, *args])
    assert result.exit_code == code, result.output
    return result


# -- the example of the README, method by method -------------------------------------------------
def test_load_sample_returns_a_typed_result_and_a_reload_changes_nothing(g):
    first = g.load_sample()
    assert isinstance(first, LoadResult)
    assert first.paths == ["dataset"] and first.before == (0, 0) and first.after == g.counts()
    assert (first.nodes, first.relationships) == first.after == (first.nodes_added, first.relationships_added)
    assert first.by_kind["ArmedGroup"] == 2 and first.by_type["SUPPORTS"] == 6 and first.changed
    again = g.load_sample()
    assert not again.changed and again.after == first.after
    assert (again.nodes, again.relationships) == (first.nodes, first.relationships)


def test_load_takes_datasets_and_csv_together_and_says_which_path(g, tmp_path):
    story = write_story(tmp_path)
    first = g.load([story, KREBS / "persons.csv", str(KREBS / "ties.csv")], source=KREBS_SOURCE)
    assert first.paths[0] == "dataset" and first.path in ("fresh", "merge")
    assert first.by_kind["Person"] >= 1 and first.after == g.counts() and first.changed
    # the CLI's load gives the same graph: nothing changes
    out = cli_run(g, "load", "-q", "--source", KREBS_SOURCE, str(story), str(KREBS / "persons.csv"),
                  str(KREBS / "ties.csv")).output
    assert f"the graph now holds {first.after[0]} nodes and {first.after[1]} relationships" in out
    again = g.load([KREBS / "persons.csv", KREBS / "ties.csv"], source=KREBS_SOURCE)
    assert again.path == "merge" and not again.changed


def test_a_bad_input_is_refused_whole_and_leaves_the_graph_as_it_was(sample, tmp_path):
    before = (sample.counts(), sample.store.checksum())
    bad = write_story(tmp_path, STORY.replace("kind: Organisation", "kind: Planet"), "bad.yaml")
    with pytest.raises(InputErrors) as err:
        sample.load([KREBS / "persons.csv", bad], source=KREBS_SOURCE)
    assert err.value.file == str(bad) and err.value.field == "kind" and err.value.hint
    assert (sample.counts(), sample.store.checksum()) == before


def test_routes_between_iraq_and_russia_is_the_pmf_shipment(sample):
    rows = sample.query("routes-between", origin="Iraq", destination="Russia")
    assert [(r["shipment"], r["route"]) for r in rows] == \
        [("PMF weapons to Russia via Iran", ["Iraq", "Salamja", "Iran", "Russia"])]
    cli = json.loads(cli_run(sample, "query", "run", "routes-between", "-p", "origin", "Iraq", "-p",
                             "destination", "Russia", "--format", "json").output)
    assert cli == to_jsonable(rows)


def test_a_parameter_named_like_a_python_keyword_goes_in_a_dict(sample):
    rows = sample.query("connections", {"from": "PMF", "to": "Russia"})
    assert rows and rows[0]["entities"] == ["Popular Mobilization Forces", "Russia"]
    assert sample.query("connections", {"from": "PMF"}, to="Russia") == rows
    with pytest.raises(QueryError, match="given twice"):
        sample.query("connections", {"from": "PMF", "to": "Russia"}, to="Iran")
    with pytest.raises(QueryError, match="no parameter"):
        sample.query("connections", {"from": "PMF", "to": "Russia", "hops": 2})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(load_queries()))
def test_graph_and_cli_give_the_same_rows_for_each_saved_query_example(sample, name):
    params = load_queries()[name].example_params()
    rows = sample.query(name, params)
    args = [a for k, v in params.items() for a in ("-p", k, str(v))]
    cli = json.loads(cli_run(sample, "query", "run", name, *args, "--format", "json").output)
    assert cli == to_jsonable(rows)
    assert rows == sample.query_result(name, params).records()


def test_cypher_is_read_only_unless_write(sample):
    assert sample.cypher("MATCH (n:Entity) RETURN count(n) AS n") == [{"n": sample.counts()[0]}]
    assert sample.cypher("MATCH (a:Actor {name: $name}) RETURN a.name AS name", {"name": "Russia"}) == \
        [{"name": "Russia"}]
    before = (sample.counts(), sample.store.checksum())
    with pytest.raises(ReadOnlyViolation):
        sample.cypher("CREATE (:Scratch {n: 1})")
    with pytest.raises(ReadOnlyViolation):
        sample.cypher("MATCH (n) DETACH DELETE n")
    assert (sample.counts(), sample.store.checksum()) == before
    assert sample.cypher("CREATE (s:Scratch {n: 1}) RETURN s.n AS n", write=True) == [{"n": 1}]
    assert sample.counts()[0] == before[0][0] + 1


def test_cypher_refuses_reaching_outside_the_graph(sample):
    with pytest.raises(ExternalAccess):
        sample.cypher("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row")
    with pytest.raises(ExternalAccess):
        sample.cypher("LOAD CSV FROM 'file:///etc/passwd' AS row CREATE (:X)", write=True)


@pytest.mark.slow
def test_report_centrality_writes_the_report(sample, tmp_path):
    res = sample.report_centrality(tmp_path / "out", projection="actors")
    assert all(p.exists() and p.parent == tmp_path / "out" for p in res.files.values())
    assert (tmp_path / "out" / "centrality.csv").exists()
    assert res.projection.graph.number_of_nodes() > 5


def test_status_names_the_engine_and_counts(sample):
    info = sample.status()
    assert info["engine"] == "falkordb" and (info["nodes"], info["relationships"]) == sample.counts()
    assert info["graph"] == sample.settings.graph and info["server"] == "running"
    assert json.loads(cli_run(sample, "db", "status", "--format", "json").output) == info


# -- opening and closing ---------------------------------------------------------------------------
def test_open_resolves_settings_as_the_cli_does_and_close_stops_an_on_demand_server(tmp_path):
    env = {"INTELGRAPH_DB": str(tmp_path / "db"), "INTELGRAPH_GRAPH": "case"}
    with Graph.open(environ=env, timeout=5) as g:
        assert g.settings.origin("data_dir") == "environment: INTELGRAPH_DB"
        assert g.settings.origin("graph") == "environment: INTELGRAPH_GRAPH"
        assert g.settings.origin("timeout") == "option" and g.store.timeout == 5
        assert g.status()["server"] == "started for this command"
        assert g.load_sample().after == g.counts()
        assert EmbeddedServer(tmp_path / "db").is_running()
    assert not EmbeddedServer(tmp_path / "db").is_running()
    with pytest.raises(StoreError, match="closed"):
        g.counts()
    # the data stayed: a second open (a new on-demand server) finds it
    with Graph.open(db=tmp_path / "db", graph="case") as again:
        assert again.counts()[0] > 50


def test_open_reads_an_env_file_only_when_named(tmp_path, monkeypatch):
    envf = tmp_path / "case.env"
    envf.write_text("INTELGRAPH_GRAPH=from_file\nNEO4J_URI=bolt://127.0.0.1:9\n", encoding="utf-8")
    envf.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("INTELGRAPH_GRAPH=never\n", encoding="utf-8")
    with Graph.open(db=tmp_path / "db", env_file=envf, environ={}) as g:
        assert g.settings.graph == "from_file" and g.settings.origin("graph") == f"file: {envf}:1"
    with Graph.open(db=tmp_path / "db", environ={}) as g:
        assert g.settings.graph == "intelgraph"


def test_a_neo4j_password_comes_from_the_prompt_callback_never_unasked(tmp_path):
    asked: list[int] = []

    def prompt() -> str:
        asked.append(1)
        return ""

    with pytest.raises(StoreError, match="no Neo4j password") as err:
        Graph.open(engine="neo4j", uri="bolt://127.0.0.1:9", password_prompt=prompt,
                   environ={"NEO4J_PASSWORD": "from-env"})
    assert asked == [1] and "--ask-password" in err.value.hint  # the prompt wins, as --ask-password does
    with pytest.raises(StoreError, match="no Neo4j password"):
        Graph.open(engine="neo4j", uri="bolt://127.0.0.1:9", environ={})
    # by keyword from code: it is used (the connection is tried, and refused: nothing listens)
    with pytest.raises(StoreError) as err:
        Graph.open(engine="neo4j", uri="bolt://127.0.0.1:1", password="pw", environ={}, timeout=2)
    assert "password" not in str(err.value) and "pw" not in err.value.message()


# -- the CLI: one name per meaning, old spellings kept for a release -----------------------------
def test_query_show_variant_and_its_deprecated_spelling(g):
    new = cli_run(g, "query", "show", "search", "--variant", "neo4j")
    assert "db.index.fulltext" in new.stdout or new.stdout != cli_run(g, "query", "show", "search").stdout
    assert "deprecated" not in new.stderr
    old = cli_run(g, "query", "show", "search", "--engine", "neo4j")
    assert old.stdout == new.stdout
    assert "`query show --engine` is deprecated" in old.stderr and "--variant" in old.stderr
    cli_run(g, "query", "show", "search", "--engine", "neo4j", "--variant", "falkordb", code=2)


@pytest.mark.slow
def test_report_centrality_compute_and_its_deprecated_spelling(sample, tmp_path):
    new = cli_run(sample, "report", "centrality", "--projection", "actors", "--compute", "networkx",
                  "--out", str(tmp_path / "new"))
    assert "deprecated" not in new.stderr
    old = cli_run(sample, "report", "centrality", "--projection", "actors", "--engine", "networkx",
                  "--out", str(tmp_path / "old"))
    assert "`report centrality --engine` is deprecated" in old.stderr and "--compute" in old.stderr
    assert (tmp_path / "new" / "centrality.csv").read_bytes() == (tmp_path / "old" / "centrality.csv").read_bytes()
    gds = cli_run(sample, "report", "centrality", "--engine", "gds", "--out", str(tmp_path / "g"), code=1)
    assert "deprecated" in gds.stderr and "--compute gds needs a Neo4j server" in gds.stderr
    cli_run(sample, "report", "centrality", "--engine", "gds", "--compute", "networkx", "--out",
            str(tmp_path / "x"), code=2)


@pytest.mark.slow
def test_the_old_loading_functions_are_deprecated_wrappers_of_the_one_load(store, tmp_path):
    from intelgraph.api import load_paths
    from intelgraph.loaders.api import load_file, load_sample

    with pytest.warns(DeprecationWarning, match="Graph.load"):
        first = load_sample(store)
    expected = (store.counts(), store.checksum())
    store.clear()
    assert load_paths(store, [], sample=True).after == expected[0]
    # a CSV file goes down the same path as `intelgraph load` (it used to take the plain one)
    store.clear()
    with pytest.warns(DeprecationWarning):
        stats = load_file(store, KREBS / "persons.csv", source=KREBS_SOURCE)
    assert isinstance(stats, LoadResult) and stats.path == "fresh" and isinstance(first, LoadResult)


def test_cli_commands_reach_stores_and_loaders_only_through_graph():
    """No command body imports a store, a loader's writer, the query runner or the report
    functions: they call :class:`Graph`."""
    tree = ast.parse((REPO / "intelgraph" / "cli.py").read_text(encoding="utf-8"))
    banned = ("intelgraph.cypher.falkordb", "intelgraph.cypher.neo4j_store", "intelgraph.loaders.api",
              "intelgraph.loaders.bulk", "intelgraph.loaders.plan", "intelgraph.loaders.csv_admin", "intelgraph.loaders.csv_header",
              "intelgraph.loaders.export_admin", "intelgraph.queries.runner", "intelgraph.reports.centrality",
              "intelgraph.reports.measures", "intelgraph.reports.render", "intelgraph.reports.drawing")
    found = [(node.lineno, node.module) for node in ast.walk(tree)  # a banned module or one inside it
             if isinstance(node, ast.ImportFrom) and node.module
             and any(node.module == b or node.module.startswith(b + ".") for b in banned)]
    found += [(node.lineno, "open_store") for node in ast.walk(tree)
              if isinstance(node, ast.Name) and node.id == "open_store"]
    assert found == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import intelgraph

        assert intelgraph.Graph is Graph


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    """The README's example is this API, run as written (in a scratch folder)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("From Python:\n\n```python\n", 1)[1].split("```", 1)[0]
    assert "Graph.open(" in block and "g.query(" in block and "g.cypher(" in block
    monkeypatch.chdir(tmp_path)
    for var in ("INTELGRAPH_ENGINE", "INTELGRAPH_DB", "INTELGRAPH_GRAPH", "INTELGRAPH_ENV_FILE"):
        monkeypatch.delenv(var, raising=False)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "out" / "centrality.csv").exists()
    shown = capsys.readouterr().out
    assert "'engine': 'falkordb'" in shown and "'nodes': " in shown
    assert not EmbeddedServer(tmp_path / "case-dir").is_running()  # stopped as the block closed
