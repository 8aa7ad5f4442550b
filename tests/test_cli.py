"""The command line, end to end, on the real embedded engine (the session's server)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from intelgraph.cli import cli
from intelgraph.queries.registry import load_queries

_n = itertools.count()


@pytest.fixture
def run(server):
    graph = f"cli{next(_n)}_{os.getpid()}"

    def invoke(*args: str, ok: bool = True):
        result = CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", graph, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield invoke
    invoke("db", "reset", "--yes")


def status(run) -> dict:
    return json.loads(run("db", "status", "--format", "json").output)


@pytest.mark.slow
def test_load_sample_twice_same_counts(run):
    assert status(run)["nodes"] == 0
    run("load", "--sample")
    first = status(run)
    assert first["engine"] == "falkordb" and first["nodes"] > 50 and first["relationships"] > 100
    run("load", "--sample")
    assert status(run) == first


def test_route_in_order_as_json(run):
    run("load", "--sample")
    out = run("query", "run", "shipment-route", "--format", "json").output
    rows = json.loads(out)
    stops = {}
    for r in rows:
        stops.setdefault(r["shipment"], []).extend(r["stops"])
    assert stops["PMF weapons to Russia via Iran"] == ["Iraq", "Salamja", "Iran", "Iran", "Russia"]
    caspian = stops["Caspian crossing of three cargo ships, Bandar Anzali to Astrakhan"]
    assert caspian.index("Bandar Anzali") < caspian.index("Astrakhan")


def test_contested_claims_name_the_deniers(run):
    run("load", "--sample")
    out = run("query", "run", "contested-claims", "--format", "csv").output
    parties = {row["party"] for row in csv.DictReader(io.StringIO(out))}
    assert {"Iraqi Border Ports Authority", "Embassy of Iran in London"} <= parties


def test_connections_with_sources(run):
    run("load", "--sample")
    rows = json.loads(run("query", "run", "connections", "-p", "from", "PMF", "-p", "to", "Russia",
                          "--format", "json").output)
    assert rows and all(step["sources"] for step in rows[0]["steps"])


def test_table_output_and_list_and_show(run):
    run("load", "--sample")
    table = run("query", "run", "search", "-p", "text", "astrakhan").output
    assert "Astrakhan" in table and table.rstrip().endswith("rows)")
    listing = run("query", "list").output
    for name in load_queries():
        assert name in listing
    shown = run("query", "show", "connections").output
    assert "allShortestPaths" in shown and "max_credibility" in shown


def test_malformed_file_exits_nonzero_and_changes_nothing(run, tmp_path):
    run("load", "--sample")
    before = status(run)
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: x\nentities:\n  - ref: a\n    kind: Wizard\n    name: Merlin\n", encoding="utf-8")
    result = run("load", str(bad), ok=False)
    assert result.exit_code == 1
    assert str(bad) in result.output and "line 3" in result.output and "'kind'" in result.output
    assert "hint:" in result.output
    assert status(run) == before


def test_adhoc_cypher_is_read_only_unless_write(run):
    result = run("cypher", "CREATE (:Entity {id: 'x'})", ok=False)
    assert result.exit_code == 1 and "read-only" in result.output
    assert status(run)["nodes"] == 0
    run("cypher", "--write", "CREATE (:Entity {id: 'x'})")
    assert status(run)["nodes"] == 1
    out = run("cypher", "MATCH (n:Entity {id: $id}) RETURN n.id AS id", "-p", "id", "x", "--format", "json").output
    assert json.loads(out) == [{"id": "x"}]


def test_unknown_query_suggests(run):
    result = run("query", "run", "conections", ok=False)
    assert result.exit_code == 1 and "did you mean connections" in result.output


def test_bad_parameter_is_refused_before_running(run):
    run("load", "--sample")
    result = run("query", "run", "network", "-p", "entity", "PMF", "-p", "hops", "lots", ok=False)
    assert result.exit_code == 1 and "'hops'" in result.output


def test_every_command_has_help():
    def walk(group, path):
        for name, cmd in group.commands.items():
            res = CliRunner().invoke(cli, [*path, name, "--help"])
            assert res.exit_code == 0 and "Usage:" in res.output, (path, name)
            assert cmd.help, f"{' '.join([*path, name])} has no help text"
            if hasattr(cmd, "commands"):
                walk(cmd, [*path, name])

    walk(cli, [])


def test_no_password_option_on_the_command_line():
    res = CliRunner().invoke(cli, ["--password", "x", "db", "status"])
    assert res.exit_code == 2  # no such option: passwords come from the environment, .env or a prompt


def test_neo4j_without_password_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    res = CliRunner().invoke(cli, ["--engine", "neo4j", "--uri", "bolt://127.0.0.1:1", "db", "status"])
    assert res.exit_code == 1 and "no Neo4j password" in res.output


def test_installed_command_runs(server):
    """The console script installed by pip, as a user runs it."""
    exe = os.path.join(os.path.dirname(sys.executable), "intelgraph")
    proc = subprocess.run([exe, "--db", str(server.dir), "--graph", f"script_{os.getpid()}", "db", "status",
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["engine"] == "falkordb"


def test_gds_report_on_the_embedded_engine_is_a_clear_error(run, tmp_path):
    run("load", "--sample")
    result = run("report", "centrality", "--compute", "gds", "--out", str(tmp_path / "r"), ok=False)
    assert result.exit_code == 1 and "Graph Data Science" in result.output and "hint:" in result.output
    assert not (tmp_path / "r" / "centrality.csv").exists()
