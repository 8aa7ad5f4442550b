"""A real network nobody here wrote — the 9/11 hijackers' network of Krebs (2002) — given as
neo4j-admin CSV, loaded through the CLI, and its centrality report compared with networkx run
directly on the original edge list."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from intelgraph.cli import cli

KREBS = Path(__file__).resolve().parent / "data" / "krebs-2002-911"


def _krebs_report(server, tmp_path, graph: str, *report_options: str):
    """Load the Krebs CSV files with `intelgraph load --source ...`, run `report centrality` with
    ``report_options``, reset the graph; the report's folder."""
    base = ["--db", str(server.dir), "--graph", graph]
    run = CliRunner()
    out = tmp_path / "report"
    try:
        res = run.invoke(cli, [*base, "load", str(KREBS / "admin" / "persons.csv"), str(KREBS / "admin" / "ties.csv"),
                               "--source", "Krebs 2002, Mapping Networks of Terrorist Cells"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        res = run.invoke(cli, [*base, "report", "centrality", *report_options, "--out", str(out)],
                         catch_exceptions=False)
        assert res.exit_code == 0, res.output
    finally:
        run.invoke(cli, [*base, "db", "reset", "--yes"])
    return out


def test_krebs_report_matches_networkx(server, tmp_path):
    out = _krebs_report(server, tmp_path, f"krebs_{os.getpid()}", "--projection", "social", "--undirected")

    with open(KREBS / "edges.csv", encoding="utf-8") as fh:
        G = nx.Graph((r["source"], r["target"]) for r in csv.DictReader(fh))
    assert G.number_of_nodes() == 62 and G.number_of_edges() == 153
    expected = {
        "degree": nx.degree_centrality(G),
        "betweenness": nx.betweenness_centrality(G),
        "closeness": nx.closeness_centrality(G),
        "pagerank": nx.pagerank(G, weight=None, tol=1e-12, max_iter=1000),
    }
    with open(out / "centrality.csv", encoding="utf-8") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(G)
    for measure, values in expected.items():
        for name, value in values.items():
            tol = 5e-5 if measure == "pagerank" else 1e-12  # networkx stops PageRank at an L1 change of n * 1e-6
            assert float(rows[name][measure]) == pytest.approx(value, abs=tol), (measure, name)
    top = max(rows.values(), key=lambda r: float(r["betweenness"]))
    assert top["name"] == "Mohamed Atta"
    # the communities' modularity, taken from the Louvain run, is networkx's of the partition written
    parts: dict[str, set[str]] = {}
    for name, r in rows.items():
        parts.setdefault(r["community"], set()).add(name)
    reported = json.loads((out / "provenance.json").read_text())["parameters"]["communities"]["modularity"]
    assert reported == pytest.approx(nx.community.modularity(G, parts.values()), abs=1e-9)
    assert f"modularity {reported:.3f})" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_krebs_default_projection_gives_the_published_values(server, tmp_path):
    """`report centrality` with no options projects actors only: the `--source` document (a node
    with no ties) is not in the graph, so it cannot shift everyone's normalised values; Atta's
    betweenness is Krebs's published 0.588 (0.569 when the document was counted as a node)."""
    out = _krebs_report(server, tmp_path, f"krebs_default_{os.getpid()}")
    with open(out / "centrality.csv", encoding="utf-8") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 62 and "Krebs 2002, Mapping Networks of Terrorist Cells" not in rows
    assert round(float(rows["Mohamed Atta"]["betweenness"]), 3) == 0.588
    assert "projection `actors`" in (out / "report.md").read_text(encoding="utf-8")
