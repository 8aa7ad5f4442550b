"""The fast paths give networkx's values: every measure within 1e-9 of networkx on graphs the other
tests do not use (directed and undirected, disconnected, isolates, self-loops, weights), in this
process and in worker processes; sampling above the exact limit, with its note and standard
errors in the report; the networkx fallback; and the streamed projection on the real engine."""

from __future__ import annotations

import json
import math
import sys

import networkx as nx
import numpy as np
import pytest

from intelgraph.errors import ReportError
from intelgraph.reports import _igraph_worker, fast
from intelgraph.reports.centrality import report_from_projection
from intelgraph.reports.measures import EIGENVECTOR_MAX_ITER, EIGENVECTOR_TOL, compute_measures
from intelgraph.reports.projection import Projection, graph_hash, project, projection_spec

pytestmark = pytest.mark.slow  # every measure against networkx on many graphs: about a minute

TOL = 1e-9


def _close(ours: dict, ref: dict, tol: float = TOL) -> None:
    assert set(ours) == set(ref)
    worst = max((abs(ours[n] - ref[n]) for n in ref), default=0.0)
    assert worst <= tol, worst


def _two_parts_and_isolates() -> nx.Graph:
    G = nx.disjoint_union(nx.powerlaw_cluster_graph(60, 2, 0.4, seed=9), nx.cycle_graph(7))
    G.add_nodes_from(["iso-a", "iso-b"])
    G.add_edge(3, 3)  # a self-loop: no shortest path uses it
    return G


def _directed_sparse() -> nx.DiGraph:
    G = nx.gnp_random_graph(90, 0.025, seed=11, directed=True)  # many components, some isolates
    G.add_edge(0, 0)
    return G


def _scale_free_directed() -> nx.DiGraph:
    G = nx.DiGraph(nx.scale_free_graph(150, seed=5))  # multi-edges collapsed
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    return G


def _weighted_les_mis() -> nx.Graph:
    return nx.les_miserables_graph()  # weighted: eigenvector and PageRank use the weights


GRAPHS = {
    "karate": nx.karate_club_graph,
    "ba-seeded": lambda: nx.barabasi_albert_graph(300, 3, seed=5),
    "two-parts-isolates-selfloop": _two_parts_and_isolates,
    "directed-sparse": _directed_sparse,
    "directed-scale-free": _scale_free_directed,
    "les-miserables-weighted": _weighted_les_mis,
    "star": lambda: nx.star_graph(12),
    "directed-path": lambda: nx.path_graph(9, create_using=nx.DiGraph),
    "three-nodes": lambda: nx.path_graph(3),
}
# the report's default projection: symmetric ties as arcs both ways, some one way, weights
_both = nx.DiGraph(nx.powerlaw_cluster_graph(400, 3, 0.3, seed=4))
_both.remove_edges_from([(u, v) for u, v in list(_both.edges) if (u * 7 + v) % 5 == 0])
nx.set_edge_attributes(_both, {e: 1 + (e[0] + e[1]) % 3 for e in _both.edges}, "weight")
LOUVAIN_ONLY = {"directed-both-ways": lambda: _both.copy()}


@pytest.mark.parametrize("backend", ["auto", "igraph"])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_every_measure_equals_networkx(name, backend):
    G = GRAPHS[name]()
    details: dict = {}
    m = compute_measures(G, seed=3, details=details, workers=0, backend=backend)
    # auto: exact measures of a simple graph, directed or not, from one search per source (Numba)
    assert details["backend"] == ("numba" if backend == "auto" else "igraph")
    _close(m["degree"], nx.degree_centrality(G))
    _close(m["betweenness"], nx.betweenness_centrality(G))
    _close(m["closeness"], nx.closeness_centrality(G))
    _close(m["pagerank"], nx.pagerank(G, weight="weight"))
    try:
        ref = nx.eigenvector_centrality(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL, weight="weight")
    except nx.PowerIterationFailedConvergence:
        assert all(math.isnan(v) for v in m["eigenvector"].values())
    else:
        _close(m["eigenvector"], ref)
    if G.is_directed():
        _close(m["in_degree"], nx.in_degree_centrality(G))
        _close(m["out_degree"], nx.out_degree_centrality(G))
    parts = nx.community.louvain_communities(G, weight="weight", seed=3)
    assert {frozenset(p) for p in parts} == {
        frozenset(n for n in G if m["community"][n] == c) for c in set(m["community"].values())}


@pytest.mark.parametrize("directed", [False, True], ids=["undirected", "directed"])
def test_worker_processes_give_the_same_values(directed):
    G = nx.gnp_random_graph(400, 0.012, seed=21, directed=directed)  # disconnected
    res = fast.ShortestPaths(G, workers=2).result()
    assert res.info["workers"] == 2 and not res.info["worker_errors"] and len(res.info["worker_cpu_seconds"]) == 2
    _close(res.betweenness, nx.betweenness_centrality(G))
    _close(res.closeness, nx.closeness_centrality(G))
    sampled = fast.ShortestPaths(G, betweenness_k=60, closeness_k=60, seed=4, workers=2).result()
    _close(sampled.betweenness, nx.betweenness_centrality(G, k=60, seed=4))


def test_threads_of_the_fused_kernel_give_the_same_values():
    """Exact betweenness and closeness of an undirected graph, one search per source in three
    threads, on a disconnected graph with isolates; the fused backend refuses what it cannot do
    (a multigraph, a sample)."""
    G = nx.gnp_random_graph(500, 0.006, seed=33)
    G.add_nodes_from(["iso-1", "iso-2"])
    res = fast.ShortestPaths(G, workers=3, backend=fast.FUSED).result()
    assert res.info["backend"] == "numba" and len(res.info["worker_cpu_seconds"]) == 3
    _close(res.betweenness, nx.betweenness_centrality(G))
    _close(res.closeness, nx.closeness_centrality(G))
    for bad in (dict(G=nx.MultiDiGraph(G)), dict(G=G, betweenness_k=10), dict(G=nx.DiGraph(G), closeness_k=10)):
        with pytest.raises(ValueError, match="numba"):
            fast.ShortestPaths(backend=fast.FUSED, **bad)


def _directed_unreachable() -> nx.DiGraph:
    G = nx.gnp_random_graph(300, 0.008, seed=17, directed=True)  # sources, sinks, unreachable parts
    G.add_nodes_from(["iso-1", "iso-2"])
    return G


def _two_cycles() -> nx.DiGraph:
    G = nx.DiGraph(nx.powerlaw_cluster_graph(200, 3, 0.3, seed=6))  # every tie both ways: 2-cycles
    G.remove_edges_from([(u, v) for u, v in list(G.edges) if (u * 7 + v) % 3 == 0])  # some one way only
    return G


def _directed_parts() -> nx.DiGraph:
    G = nx.disjoint_union(nx.cycle_graph(6, create_using=nx.DiGraph), _scale_free_directed())
    return nx.disjoint_union(G, nx.path_graph(5, create_using=nx.DiGraph).reverse())


DIRECTED = {
    "random-unreachable": _directed_unreachable,
    "path": lambda: nx.path_graph(9, create_using=nx.DiGraph),
    "out-star": lambda: nx.star_graph(12, create_using=nx.DiGraph),
    "in-star": lambda: nx.star_graph(12, create_using=nx.DiGraph).reverse(),
    "two-cycles": _two_cycles,
    "disconnected-parts": _directed_parts,
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", list(DIRECTED))
def test_fused_kernel_on_directed_graphs_gives_networkx_values(name, threads):
    """Directed betweenness (ordered pairs, not halved) within 1e-9 of networkx's, and closeness
    from incoming distances equal to networkx's bit for bit, whether the sources run in one
    thread or are split over two whose partial sums are added."""
    G = DIRECTED[name]()
    res = fast.ShortestPaths(G, workers=threads, backend=fast.FUSED).result()
    assert res.info["backend"] == "numba" and len(res.info["worker_cpu_seconds"]) == threads
    _close(res.betweenness, nx.betweenness_centrality(G))
    assert res.closeness == nx.closeness_centrality(G)


@pytest.mark.parametrize("name", ["karate", "ba-seeded", "two-parts-isolates-selfloop", "les-miserables-weighted",
                                  "star", "three-nodes", "directed-sparse", "directed-scale-free", "directed-path",
                                  "directed-both-ways"])
def test_compiled_louvain_gives_networkx_partition(name):
    from intelgraph.reports.louvain import louvain_communities

    G = {**GRAPHS, **LOUVAIN_ONLY}[name]()
    for seed in (0, 3, 11):
        for weight in ("weight", None):
            ours = louvain_communities(G, weight=weight, seed=seed)
            ref = nx.community.louvain_communities(G, weight=weight, seed=seed)
            assert {frozenset(p) for p in ours} == {frozenset(p) for p in ref}, (seed, weight)


def test_compiled_louvain_on_string_labels_and_resolutions():
    from intelgraph.reports.louvain import louvain_communities

    G = nx.relabel_nodes(nx.powerlaw_cluster_graph(1500, 3, 0.3, seed=2), lambda i: f"person:{i:05d}")
    for resolution in (0.5, 1, 2):
        ours = louvain_communities(G, seed=5, resolution=resolution)
        ref = nx.community.louvain_communities(G, seed=5, resolution=resolution)
        assert {frozenset(p) for p in ours} == {frozenset(p) for p in ref}


def test_eigenvector_port_weights_and_failure():
    G = _weighted_les_mis()
    for weight in ("weight", None):
        _close(fast.eigenvector(G, weight=weight, max_iter=1000),
               nx.eigenvector_centrality(G, weight=weight, max_iter=1000), tol=1e-12)
    D = nx.path_graph(6, create_using=nx.DiGraph)  # acyclic: the iteration dies out
    with pytest.raises(nx.PowerIterationFailedConvergence):
        fast.eigenvector(D, max_iter=50)
    with pytest.raises(nx.NetworkXPointlessConcept):
        fast.eigenvector(nx.Graph())


# -- sampling --------------------------------------------------------------------------------------
@pytest.mark.parametrize("directed", [False, True], ids=["undirected", "directed"])
def test_sampled_betweenness_is_networkx_estimate(directed):
    G = nx.gnp_random_graph(250, 0.03, seed=8, directed=directed)
    for k, seed in ((1, 0), (2, 5), (37, 1)):
        res = fast.ShortestPaths(G, betweenness_k=k, seed=seed, workers=0).result()
        ref = nx.betweenness_centrality(G, k=k, seed=seed)
        for node, value in ref.items():
            got = res.betweenness[node]
            assert (math.isnan(got) and math.isnan(value)) or abs(got - value) <= TOL


def test_pivots_with_every_node_give_exact_closeness():
    for G in (_directed_sparse(), _two_parts_and_isolates()):
        nodes = list(G)
        index = {u: i for i, u in enumerate(nodes)}
        edges = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64)
        n = len(nodes)
        g = _igraph_worker._graph(n, edges.astype(np.int32), G.is_directed())
        reached, total, squares = _igraph_worker._pivots(g, np.arange(n), batch_cells=7 * n)  # batches of 7
        est, se = fast._pivot_estimate(reached, total, squares, np.full(n, n - 1.0), n)
        _close(dict(zip(nodes, est.tolist())), nx.closeness_centrality(G), tol=1e-12)
        assert np.all(se == 0)


def test_standard_errors_cover_the_exact_values():
    """Over a few seeds, the exact value lies within 3 standard errors of the estimate for the
    central nodes (betweenness) and for the nodes (closeness). One sample alone can miss the rare
    sources with large dependencies and be low on every node at once: hence several seeds."""
    G = nx.powerlaw_cluster_graph(800, 3, 0.2, seed=2)
    exact_b, exact_c = nx.betweenness_centrality(G), nx.closeness_centrality(G)
    top = sorted(G, key=lambda n: -exact_b[n])[:20]
    cover_b, cover_c = [], []
    for seed in range(4):
        res = fast.ShortestPaths(G, betweenness_k=120, closeness_k=120, seed=seed, workers=0).result()
        cover_b += [abs(res.betweenness[n] - exact_b[n]) <= 3 * res.betweenness_se[n] for n in top]
        cover_c += [abs(res.closeness[n] - exact_c[n]) <= 3 * res.closeness_se[n] + 1e-12 for n in G]
    assert sum(cover_b) / len(cover_b) >= 0.85 and sum(cover_c) / len(cover_c) >= 0.9
    # the networkx backend draws the same sample and gives the same estimates
    ref = fast.ShortestPaths(G, betweenness_k=120, closeness_k=120, seed=3, backend="networkx").result()
    _close(ref.betweenness, res.betweenness, tol=1e-12)
    _close(ref.closeness, res.closeness, tol=1e-12)
    _close(ref.closeness_se, res.closeness_se, tol=1e-12)


def _projection(G: nx.Graph) -> Projection:
    G = nx.relabel_nodes(G, {n: f"person:{n:05d}" for n in G})
    for n in G:
        G.nodes[n].update(name=f"Person {n[-5:]}", kind="Person")
    for u, v in G.edges:
        G.edges[u, v].update(weight=1, types=["ASSOCIATED_WITH"])
    return Projection(graph=G, spec=projection_spec("social"), directed=False, undirected_forced=True)


def test_report_says_when_it_samples(tmp_path):
    proj = _projection(nx.barabasi_albert_graph(120, 2, seed=3))
    res = report_from_projection(proj, tmp_path / "s", seed=1, exact_limit=100, sample_k=40)
    md = (tmp_path / "s" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "s" / "report.html").read_text(encoding="utf-8")
    prov = json.loads((tmp_path / "s" / "provenance.json").read_text(encoding="utf-8"))
    for text in (md, html):
        assert "betweenness ESTIMATED from 40 sampled source nodes" in text and "closeness ESTIMATED" in text
        assert "more than the exact limit of 100" in text
        assert "Standard error of the betweenness" in text and "Standard error of the closeness" in text
    for measure in ("betweenness", "closeness"):
        p = prov["parameters"][measure]
        assert p["exact"] is False and p["sampling"]["k"] == 40 and p["sampling"]["seed"] == 1
        assert p["sampling"]["standard_error"]["max"] > 0
    assert prov["parameters"]["exact_limit"] == 100 and prov["versions"]["igraph"] == fast._version("igraph")
    ref = nx.betweenness_centrality(proj.graph, k=40, seed=1)
    _close(res.measures["betweenness"], ref)

    exact = report_from_projection(proj, tmp_path / "e", seed=1)  # under the default limit: exact
    md = (tmp_path / "e" / "report.md").read_text(encoding="utf-8")
    assert "betweenness exact; closeness exact -- networkx's values" in md and "ESTIMATED" not in md
    _close(exact.measures["closeness"], nx.closeness_centrality(proj.graph))


def test_exact_limit_none_and_bad_values():
    G = nx.barabasi_albert_graph(80, 2, seed=1)
    notes: list[str] = []
    m = compute_measures(G, exact_limit=None, notes=notes)
    _close(m["betweenness"], nx.betweenness_centrality(G))
    assert not any("estimated" in n for n in notes)
    # a user's mistake: the project's error, with a hint (not a bare ValueError)
    with pytest.raises(ReportError, match="gpu") as err:
        compute_measures(G, backend="gpu")
    assert "networkx" in err.value.hint
    with pytest.raises(ReportError, match="sample_k") as err:
        compute_measures(G, exact_limit=10, sample_k=0)
    assert err.value.hint


# -- fallbacks ---------------------------------------------------------------------------------------
def test_networkx_backend_and_missing_igraph(monkeypatch):
    G = _directed_sparse()
    details: dict = {}
    m = compute_measures(G, backend="networkx", details=details)
    assert details["backend"] == "networkx"
    _close(m["betweenness"], nx.betweenness_centrality(G), tol=0)  # networkx's own numbers
    _close(m["closeness"], nx.closeness_centrality(G), tol=0)

    monkeypatch.setattr(fast, "available", lambda: "igraph is not installed (test)")
    notes: list[str] = []
    m = compute_measures(G, notes=notes, details=(details := {}))
    assert details["backend"] == "networkx" and any("not the fast path" in n for n in notes)
    _close(m["betweenness"], nx.betweenness_centrality(G), tol=0)
    with pytest.raises(ReportError, match="igraph") as err:
        compute_measures(G, backend="igraph")
    assert "backend='auto'" in err.value.hint


def test_multigraphs_and_tiny_graphs_are_left_to_networkx():
    with pytest.raises(ValueError, match="simple Graph"):
        fast.ShortestPaths(nx.MultiGraph([(0, 1), (0, 1), (1, 2), (2, 3)]))
    details: dict = {}
    two = compute_measures(nx.path_graph(2), details=details)
    assert details["backend"] == "networkx"
    assert two["betweenness"] == {0: 0.0, 1: 0.0} and two["closeness"] == {0: 1.0, 1: 1.0}


def test_a_failing_worker_is_replaced_by_the_main_process(monkeypatch):
    monkeypatch.setattr(fast, "WORKER_COMMAND", [sys.executable, "-c", "import sys; sys.exit('broken worker')"])
    G = nx.barabasi_albert_graph(200, 2, seed=6)
    notes: list[str] = []
    details: dict = {}
    m = compute_measures(G, notes=notes, workers=2, details=details, backend="igraph")  # worker processes
    assert len(details["worker_errors"]) == 2 and "broken worker" in details["worker_errors"][0]
    assert any("worker process(es) failed" in n for n in notes)
    _close(m["betweenness"], nx.betweenness_centrality(G))


# -- the streamed projection on the engine ----------------------------------------------------------
def _load_raw(store, n: int = 60) -> None:
    """Actors written with plain Cypher, as another tool might: one without `kind`, one whose name
    holds the packing separator, parallel and symmetric ties, a self-loop."""
    store.apply_schema()
    store.write("UNWIND range(0, $n - 1) AS i CREATE (:Entity:Actor:Person {id: 'person:' + toString(1000 + i), "
                "name: 'P' + toString(i), kind: 'Person'})", {"n": n})
    store.write("CREATE (:Entity:Actor:Organisation {id: 'organisation:x', name: 'Odd\x1fname'})")
    rows = [[f"person:{1000 + i}", f"person:{1000 + (i * 7) % n}", t] for i in range(n)
            for t in ("ASSOCIATED_WITH", "SUPPORTS")]
    rows += [["person:1000", "person:1001", "SUPPORTS"], ["person:1002", "person:1002", "SUPPORTS"],
             ["organisation:x", "person:1003", "MEMBER_OF"]]
    for rtype in ("ASSOCIATED_WITH", "SUPPORTS", "MEMBER_OF"):
        store.write(f"UNWIND $rows AS r MATCH (a:Entity {{id: r[0]}}), (b:Entity {{id: r[1]}}) "
                    f"CREATE (a)-[:`{rtype}`]->(b)", {"rows": [r for r in rows if r[2] == rtype]})


@pytest.mark.parametrize("undirected", [False, True], ids=["directed", "undirected"])
def test_id_range_and_keyset_pages_build_the_same_graph(store, undirected):
    _load_raw(store)
    packed = project(store, "social", undirected=undirected, page=7)
    assert [q["paging"] for q in packed.queries] == ["id-range", "id-range"]
    assert packed.queries[0].get("repaged", 0) >= 1  # the page with the odd name and no kind: read as rows
    G = packed.graph
    assert G.nodes["organisation:x"] == {"name": "Odd\x1fname", "kind": "Organisation"}
    loops = sum(2 for i in range(60) if (i * 7) % 60 == i) + 1
    assert packed.stats["self_loops_dropped"] == loops and packed.stats["relationships"] == 123
    for page in (1, 13, 10_000):
        keyset = project(store, "social", undirected=undirected, page=page, paging="keyset")
        assert graph_hash(keyset.graph) == graph_hash(G)
        assert list(keyset.graph.nodes) == list(G.nodes)
        assert all(list(keyset.graph.adj[n]) == list(G.adj[n]) for n in G)  # same adjacency order
    absent = packed.queries[1]["types_absent_from_graph"]
    assert "OPPOSES" in absent and "SUPPORTS" not in absent
    assert G.edges["person:1000", "person:1001"] == {"weight": 1, "types": ["SUPPORTS"]}
    both = {"weight": 2, "types": ["ASSOCIATED_WITH", "SUPPORTS"]}  # 1001 -> 1007, one tie of each type
    assert G.edges["person:1001", "person:1007"] == both
    if undirected:
        assert G.edges["person:1007", "person:1001"] is G.edges["person:1001", "person:1007"]
    else:
        assert not G.has_edge("person:1001", "person:1000")  # SUPPORTS has a direction
        assert G.edges["person:1007", "person:1001"] == {"weight": 1, "types": ["ASSOCIATED_WITH"]}  # symmetric


def test_projection_of_an_empty_graph(store):
    proj = project(store, "actors")
    assert proj.graph.number_of_nodes() == 0 and proj.stats["edges"] == 0
    assert [q["purpose"] for q in proj.queries] == ["nodes", "relationships", "via Shipment"]


@pytest.mark.parametrize("name", ["karate", "les-miserables-weighted", "directed-scale-free", "directed-both-ways",
                                  "three-nodes"])
def test_louvain_modularity_is_networkx_modularity_of_the_partition_and_the_seed_fixes_it(name):
    """The report's modularity comes from the Louvain run itself (not a second networkx pass):
    it must equal networkx's modularity() of the returned partition; the same seed, the same partition."""
    from intelgraph.reports.louvain import louvain_partition

    G = {**GRAPHS, **LOUVAIN_ONLY}[name]()
    for seed in (0, 7):
        parts, modularity = louvain_partition(G, weight="weight", seed=seed)
        assert abs(modularity - nx.community.modularity(G, parts, weight="weight")) <= 1e-9
        again, _ = louvain_partition(G, weight="weight", seed=seed)
        assert {frozenset(p) for p in again} == {frozenset(p) for p in parts}
