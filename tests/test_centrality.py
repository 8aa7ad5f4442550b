"""Centrality reports: known answers, agreement with networkx, projections on the real engine,
the files a report writes, and byte-for-byte reproducibility."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import pytest

from intelgraph.api import load_paths
from intelgraph.reports.centrality import centrality_report
from intelgraph.reports.measures import EIGENVECTOR_MAX_ITER, EIGENVECTOR_TOL, compute_measures, measure_columns
from intelgraph.reports.projection import UnknownProjection, graph_hash, project, projection_spec

# -- datasets written as files and loaded through the dataset loader ---------------------------
TEXT = "Everything in this test dataset is asserted here.\n"


def _ev() -> list[dict[str, str]]:
    return [{"source": "doc", "quote": "asserted here"}]  # a fresh list each time: no YAML aliases


def _write_dataset(tmp_path: Path, name: str, entities: list, facts: list, claims=(), stances=()) -> Path:
    import yaml

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    data = {
        "dataset": name,
        "sources": [{"ref": "doc", "kind": "Document", "name": f"{name} source", "file": "doc.txt"}],
        "entities": [{**e, "evidence": _ev()} for e in entities],
        "claims": list(claims),
        "facts": [{**f, "evidence": _ev()} for f in facts],
        "stances": list(stances),
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _load_small(store, tmp_path: Path) -> dict[str, str]:
    """Four actors, a city, a shipment and a claim; returns name -> node id."""
    entities = [
        {"ref": "a", "kind": "Organisation", "name": "Alpha Org"},
        {"ref": "b", "kind": "ArmedGroup", "name": "Bravo Group"},
        {"ref": "c", "kind": "Country", "name": "Charlie Land"},
        {"ref": "d", "kind": "Person", "name": "Delta Person"},
        {"ref": "x", "kind": "City", "name": "X-Town"},
        {"ref": "s", "kind": "Shipment", "name": "Shipment S"},
    ]
    facts = [
        {"type": "SUPPORTS", "from": "a", "to": "b", "props": {"role": "funds"}},
        {"type": "SUPPORTS", "from": "a", "to": "b", "props": {"role": "arms"}},  # a second A->B tie
        {"type": "ALLIED_WITH", "from": "c", "to": "b"},                        # symmetric
        {"type": "MEMBER_OF", "from": "d", "to": "a"},
        {"type": "BASED_IN", "from": "a", "to": "x"},
        {"type": "SENT", "from": "a", "to": "s"},
        {"type": "HANDLED", "from": "b", "to": "s"},
        {"type": "RECEIVED", "from": "c", "to": "s"},
    ]
    claims = [{"ref": "k", "source": "doc", "statement": "Bravo Group and Delta Person met",
               "quote": "asserted here", "reliability": "C", "credibility": 3, "about": ["b", "d"]}]
    stances = [{"type": "DENIES", "by": "c", "target": "k", "source": "doc", "quote": "asserted here"}]
    load_paths(store, [_write_dataset(tmp_path, "small", entities, facts, claims, stances)])
    rows = store.read("MATCH (n:Entity) RETURN n.name, n.id").rows
    return {name: nid for name, nid in rows}


def _load_florentine(store, tmp_path: Path) -> None:
    G = nx.florentine_families_graph()
    refs = {n: f"f{i}" for i, n in enumerate(sorted(G))}
    entities = [{"ref": refs[n], "kind": "Organisation", "name": n, "org_type": "family"} for n in sorted(G)]
    facts = [{"type": "ASSOCIATED_WITH", "from": refs[u], "to": refs[v], "props": {"note": "marriage"}}
             for u, v in sorted(G.edges)]
    load_paths(store, [_write_dataset(tmp_path, "florentine", entities, facts)])


# -- known answers ------------------------------------------------------------------------------
def test_florentine_medici_betweenness():
    m = compute_measures(nx.florentine_families_graph(), seed=0)
    assert m["betweenness"]["Medici"] == pytest.approx(0.5219, abs=1e-3)
    assert max(m["betweenness"], key=m["betweenness"].get) == "Medici"
    assert set(m) == {"degree", "betweenness", "closeness", "eigenvector", "pagerank", "community"}


def _same(a: dict, b: dict, tol: float = 1e-12) -> None:
    assert set(a) == set(b)
    for n in a:
        assert a[n] == pytest.approx(b[n], abs=tol), n


@pytest.mark.parametrize("make", [nx.karate_club_graph,
                                  lambda: nx.gnp_random_graph(60, 0.06, seed=7),
                                  lambda: nx.gnp_random_graph(40, 0.08, seed=3, directed=True)],
                         ids=["karate", "gnp", "gnp-directed"])
def test_measures_are_networkx(make):
    G = make()
    m = compute_measures(G, seed=1)
    _same(m["degree"], nx.degree_centrality(G))
    _same(m["betweenness"], nx.betweenness_centrality(G))
    _same(m["closeness"], nx.closeness_centrality(G))
    _same(m["eigenvector"], nx.eigenvector_centrality(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL,
                                                      weight="weight"))
    _same(m["pagerank"], nx.pagerank(G))
    if G.is_directed():
        _same(m["in_degree"], nx.in_degree_centrality(G))
        _same(m["out_degree"], nx.out_degree_centrality(G))
    # the communities are Louvain's with the same seed, numbered by size
    parts = nx.community.louvain_communities(G, seed=1)
    assert sorted(len(p) for p in parts) == sorted(
        [list(m["community"].values()).count(c) for c in set(m["community"].values())])
    for p in parts:
        assert len({m["community"][n] for n in p}) == 1
    sizes = [list(m["community"].values()).count(c) for c in range(len(parts))]
    assert sizes == sorted(sizes, reverse=True)


def test_measures_on_karate_eigenvector_matches_numpy():
    G = nx.karate_club_graph()  # connected: the power iteration finds the unique Perron vector
    _same(compute_measures(G)["eigenvector"], nx.eigenvector_centrality_numpy(G, weight="weight"), tol=1e-5)
    _same(compute_measures(G, weight=None)["eigenvector"], nx.eigenvector_centrality_numpy(G), tol=1e-5)
    _same(compute_measures(G, weight=None)["pagerank"], nx.pagerank(G, weight=None))


def test_sampled_betweenness_is_networkx_estimate():
    G = nx.karate_club_graph()
    notes: list[str] = []
    m = compute_measures(G, seed=2, notes=notes, betweenness_k=10)
    _same(m["betweenness"], nx.betweenness_centrality(G, k=10, seed=2))
    assert any("sampled" in n for n in notes)


def test_measures_edge_cases():
    assert all(v == {} for v in compute_measures(nx.Graph()).values())
    m = compute_measures(nx.empty_graph(3))
    assert m["degree"] == {0: 0.0, 1: 0.0, 2: 0.0}
    assert sorted(m["community"].values()) == [0, 1, 2]


@pytest.mark.slow
def test_csv_same_bytes_across_processes(tmp_path):
    """String hashing differs between processes; the CSV must not."""
    script = textwrap.dedent("""
        import sys, networkx as nx
        from intelgraph.reports.measures import compute_measures
        from intelgraph.reports.render import write_csv
        G = nx.relabel_nodes(nx.karate_club_graph(), lambda n: f"node:{n:02d}")
        for n in G: G.nodes[n].update(name=f"Member {n}", kind="Person")
        write_csv(G, compute_measures(G, seed=4), sys.argv[1])
    """)
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"k{hash_seed}.csv"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, timeout=120)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# -- projections on the engine --------------------------------------------------------------------
def test_projection_spec_from_schema():
    spec = projection_spec("actors")
    assert spec.node_kinds == ("Actor",)
    assert "ALLIED_WITH" in spec.symmetric_types and spec.has_directed_types
    # stances and claims never tie actors: only shared shipments do
    assert set(spec.via) == {"Shipment"}
    assert not set(spec.relationship_types) & {"DENIES", "DOUBTS", "DECLINES_TO_COMMENT", "NOT_YET_RESPONDED",
                                               "CONFIRMS", "ABOUT"}
    assert len(projection_spec("all").relationship_types) > 20
    with pytest.raises(UnknownProjection) as err:
        projection_spec("nope")
    assert err.value.name == "nope" and "actors" in err.value.known


def test_projection_actors_directed(engine_store, tmp_path):
    ids = _load_small(engine_store, tmp_path)
    a, b, c, d = (ids[n] for n in ("Alpha Org", "Bravo Group", "Charlie Land", "Delta Person"))
    proj = project(engine_store, "actors", page=2)  # tiny pages: the paging must not lose rows
    G = proj.graph
    assert isinstance(G, nx.DiGraph) and proj.directed
    assert set(G) == {a, b, c, d}
    assert G.nodes[c] == {"name": "Charlie Land", "kind": "Country"}  # most specific label
    assert G.nodes[a]["kind"] == "Organisation" and G.nodes[d]["kind"] == "Person"
    w = {(u, v): data["weight"] for u, v, data in G.edges(data=True)}
    assert w == {
        (a, b): 3,            # SUPPORTS twice + shared shipment
        (b, a): 1,            # shared shipment
        (b, c): 2, (c, b): 2,  # ALLIED_WITH (symmetric) + shared shipment
        (a, c): 1, (c, a): 1,  # shared shipment
        (d, a): 1,            # MEMBER_OF
    }  # a claim about b and d ties neither; c denying it ties c to nothing
    assert G.edges[a, b]["types"] == ["SUPPORTS", "via Shipment"]
    assert G.edges[b, c]["types"] == ["ALLIED_WITH", "via Shipment"]
    assert [q["purpose"] for q in proj.queries] == ["nodes", "relationships", "via Shipment"]
    assert proj.stats["relationships"] == 4 and proj.stats["via_pairs"] == 3  # {a,b,c} share S
    for q in proj.queries:  # labels and types are spliced from the schema, never a label expression;
        assert ":`Actor`|" not in q["cypher"]  # values are parameters: recorded, or the page's bounds
        assert set(re.findall(r"\$(\w+)", q["cypher"])) <= {*q["params"], "lo", "hi", "after", "page"}


def test_projection_undirected_and_others(engine_store, tmp_path):
    ids = _load_small(engine_store, tmp_path)
    a, b, c, d = (ids[n] for n in ("Alpha Org", "Bravo Group", "Charlie Land", "Delta Person"))
    U = project(engine_store, "actors", undirected=True).graph
    assert type(U) is nx.Graph
    assert {frozenset((u, v)): x["weight"] for u, v, x in U.edges(data=True)} == {
        frozenset((a, b)): 3, frozenset((b, c)): 2, frozenset((a, d)): 1, frozenset((a, c)): 1}

    S = project(engine_store, "social").graph
    assert isinstance(S, nx.DiGraph)
    assert {(u, v): x["weight"] for u, v, x in S.edges(data=True)} == {(a, b): 2, (b, c): 1, (c, b): 1, (d, a): 1}

    L = project(engine_store, "logistics")  # only symmetric/via ties: an undirected graph
    assert type(L.graph) is nx.Graph and not L.directed
    assert set(L.graph) == {ids["X-Town"], c}  # a Country is a Place too
    assert L.graph.number_of_edges() == 0

    A = project(engine_store, "all").graph
    assert A.number_of_nodes() == len(ids) == 8  # 6 entities (with the shipment), the document, the claim
    assert A.edges[a, b]["weight"] == 2 and A.has_edge(c, b) and A.has_edge(b, c)
    assert A.nodes[ids["Shipment S"]]["kind"] == "Shipment"
    # the hash does not depend on how the rows were paged
    assert graph_hash(A) == project(engine_store, "all", page=1).data_hash()


# -- reports ------------------------------------------------------------------------------------
def test_report_files_and_reproducibility(store, tmp_path):
    ids = _load_small(store, tmp_path / "data")
    r1 = centrality_report(store, tmp_path / "r1", projection="actors", seed=3)
    r2 = centrality_report(store, tmp_path / "r2", projection="actors", seed=3)
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == sorted(
        ["centrality.csv", "report.md", "report.html", "network.png", "provenance.json"])
    csv_bytes = (tmp_path / "r1" / "centrality.csv").read_bytes()
    assert csv_bytes == (tmp_path / "r2" / "centrality.csv").read_bytes()
    assert r1.data_sha256 == r2.data_sha256

    rows = list(csv.DictReader((tmp_path / "r1" / "centrality.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["id", "name", "kind", *measure_columns(directed=True)]
    assert list(rows[0]) == ["id", "name", "kind", "degree", "in_degree", "out_degree", "betweenness",
                             "closeness", "eigenvector", "pagerank", "community"]
    assert [r["id"] for r in rows] == sorted(ids[n] for n in ("Alpha Org", "Bravo Group", "Charlie Land",
                                                               "Delta Person"))
    assert sum(float(r["pagerank"]) for r in rows) == pytest.approx(1.0)
    assert {r["kind"] for r in rows} == {"Organisation", "ArmedGroup", "Country", "Person"}

    assert (tmp_path / "r1" / "network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "r1" / "report.md").read_text(encoding="utf-8")
    assert "projection `actors`" in md and "## Top 4 by betweenness" in md and "Multi-edges collapsed" in md
    html = (tmp_path / "r1" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Top 4 by pagerank</h2>" in html and "Bravo Group" in html

    prov = json.loads((tmp_path / "r1" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["engine"] == "falkordb" and prov["seed"] == 3
    assert prov["data_sha256"] == r1.data_sha256 == graph_hash(r1.graph)
    assert prov["projection"]["name"] == "actors" and prov["projection"]["directed"] is True
    assert [q["purpose"] for q in prov["queries"]] == ["nodes", "relationships", "via Shipment"]
    assert all("cypher" in q and "params" in q for q in prov["queries"])
    assert {"networkx", "numpy", "matplotlib", "intelgraph"} <= set(prov["versions"])
    assert prov["created"].endswith("Z")
    assert set(prov["files"]) == {"centrality.csv", "report.md", "report.html", "network.png"}

    # a different seed may renumber communities, never the centralities
    r3 = centrality_report(store, tmp_path / "r3", projection="actors", seed=3, undirected=True)
    assert not r3.graph.is_directed()
    rows3 = list(csv.DictReader((tmp_path / "r3" / "centrality.csv").open(encoding="utf-8")))
    assert list(rows3[0])[3:] == measure_columns(directed=False)


def test_report_florentine_from_the_engine(store, tmp_path):
    _load_florentine(store, tmp_path / "data")
    expected = nx.betweenness_centrality(nx.florentine_families_graph())
    for undirected in (False, True):  # symmetric ties as arcs both ways give the same betweenness
        res = centrality_report(store, tmp_path / f"out{undirected}", projection="social", undirected=undirected)
        G = res.graph
        assert G.number_of_nodes() == 15 and G.is_directed() is not undirected
        rows = {r["name"]: r for r in csv.DictReader((tmp_path / f"out{undirected}" / "centrality.csv").open())}
        assert float(rows["Medici"]["betweenness"]) == pytest.approx(0.5219, abs=1e-3)
        for name, value in expected.items():
            assert float(rows[name]["betweenness"]) == pytest.approx(value, abs=1e-12)
        md = (tmp_path / f"out{undirected}" / "report.md").read_text(encoding="utf-8")
        assert "| 1 | Medici | Organisation | 0.5220 |" in md
    assert not math.isnan(float(rows["Medici"]["eigenvector"]))


def test_actors_projection_stances_never_associate(sample_store):
    """The Iraqi Border Ports Authority denies that weapons passed from Iraq to abroad: that does
    not tie it to the PMF, Iran or Russia it denies things about. Its ties in the sample are what
    the articles say it is: part of Iraq, with al-Qaisi as its spokesman."""
    G = project(sample_store, "actors").graph
    names = {n: d["name"] for n, d in G.nodes(data=True)}
    ibpa = next(n for n, name in names.items() if name == "Iraqi Border Ports Authority")
    U = G.to_undirected(as_view=True)
    assert sorted(names[n] for n in U[ibpa]) == ["Alaeddin al-Qaisi", "Iraq"]
    for accused in ("Popular Mobilization Forces", "Iran"):
        other = next(n for n, name in names.items() if name == accused)
        assert not U.has_edge(ibpa, other)
    # documents, informants and claims are never actors
    assert not {d["kind"] for _, d in G.nodes(data=True)} & {"Document", "Informant", "Claim"}


def test_report_lists_actors_without_ties_and_does_not_draw_them(store, tmp_path):
    entities = [{"ref": "a", "kind": "Organisation", "name": "Alpha Org"},
                {"ref": "b", "kind": "ArmedGroup", "name": "Bravo Group"},
                {"ref": "z", "kind": "Person", "name": "Zulu Loner"},
                {"ref": "y", "kind": "Person", "name": "Yankee Loner"}]
    load_paths(store, [_write_dataset(tmp_path / "data", "loners", entities,
                                      [{"type": "SUPPORTS", "from": "a", "to": "b"}])])
    res = centrality_report(store, tmp_path / "r")  # the default projection: actors
    # the values are networkx's on the whole projected graph, loners included
    assert res.projection.spec.name == "actors" and res.graph.number_of_nodes() == 4
    assert res.measures["degree"] == pytest.approx(nx.degree_centrality(res.graph))
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "## Without ties (2)\n\nYankee Loner, Zulu Loner\n" in md
    assert "<h2>Without ties (2)</h2><p>Yankee Loner, Zulu Loner</p>" in (tmp_path / "r" / "report.html").read_text(
        encoding="utf-8")
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["parameters"]["drawing"]["nodes_drawn"] == 2
