"""GDS centrality (reports/gds.py): its Cypher passes Neo4j's analyser with GDS allowed, its
projection builds the graph networkx gets, GDS's raw scores convert to networkx's conventions,
and a store that is not Neo4j (or a server without GDS) gets a clear error.

The conversions are checked against networkx on small graphs, with GDS's raw scores computed by
the formulas GDS documents and implements (reference functions below, which reproduce GDS's
documented examples). :func:`gds_measures` and `report centrality --engine gds` run against the
real GDS 2.13 of the live Neo4j that tools/neo4j-local.sh starts (conftest's `neo4j_settings`:
it fails, never skips, without it) and are compared with networkx.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections import deque

import networkx as nx
import numpy as np
import pytest

from intelgraph.cypher_lint import Statement, lint_statements, literal_statements, vocabulary
from intelgraph.errors import IntelgraphError, ServerError, StoreError
from intelgraph.graph.schema import load_schema
from intelgraph.reports.measures import EIGENVECTOR_MAX_ITER, EIGENVECTOR_TOL, community_ids, compute_measures
from intelgraph.reports.gds import (
    GdsUnavailable, betweenness_from_gds, closeness_from_gds, communities_from_gds, degree_from_gds,
    eigenvector_from_gds, gds_lint_statements, gds_measures, gds_statements, gds_version, nodes_query,
    pagerank_from_gds, ties_query)
from intelgraph.reports.projection import ProjectionSpec, project, projection_spec


class CypherLintWarning(UserWarning):
    """A warning from Neo4j's analyser about one of the GDS statements."""


# -- GDS's formulas, as reference implementations ------------------------------------------
def gds_degree(G: nx.Graph, orientation: str = "NATURAL") -> dict:
    """gds.degree.stream: number of relationships (unweighted) out of (NATURAL) or into
    (REVERSE) each node; on an undirected graph, its neighbours."""
    if not G.is_directed():
        return {n: float(G.degree(n)) for n in G}
    return {n: float(G.out_degree(n) if orientation == "NATURAL" else G.in_degree(n)) for n in G}


def gds_betweenness(G: nx.Graph) -> dict:
    """gds.betweenness.stream: Brandes, unnormalised; on an undirected graph each unordered pair
    once (GDS's own example: 'Carol' 9.5 undirected, 8.0 directed -- checked below)."""
    return nx.betweenness_centrality(G, normalized=False)


def gds_closeness_wf(G: nx.Graph) -> dict:
    """gds.closeness.stream with useWassermanFaust: per node, the r-1 other nodes that reach it
    (BFS along incoming arcs on a directed graph) and the sum of their distances (farness):
    (r-1)/farness * (r-1)/(n-1), 0 when nothing reaches it."""
    H = G.reverse(copy=False) if G.is_directed() else G
    n, out = len(G), {}
    for v in G:
        dist = {v: 0}
        queue = deque([v])
        while queue:
            u = queue.popleft()
            for w in H[u]:
                if w not in dist:
                    dist[w] = dist[u] + 1
                    queue.append(w)
        reached, farness = len(dist) - 1, sum(dist.values())
        out[v] = 0.0 if farness == 0 else (reached / farness) * (reached / (n - 1.0))
    return out


def gds_eigenvector(G: nx.Graph, weighted: bool = False, max_iter: int = 1000, tol: float = 1e-6,
                    loops: int = 0):
    """gds.eigenvector, as its Pregel computation runs: scores start at 1/n; in each superstep a
    node's next score is its (L2-normalised) score plus the messages of the previous superstep,
    it sends that next score along its outgoing relationships (times w / its total outgoing
    weight when weighted), and the next scores are L2-normalised. It stops after a superstep
    (not the first) in which no score moved more than ``tol``. Returns (scores, converged,
    supersteps). Reproduces GDS's documented example to the last digit (below). ``loops``: how
    many times each node's own loop (the projection's SELF relationships) appears in its list."""
    nodes = list(G)
    rank = {v: 1.0 / len(nodes) for v in nodes}
    messages = {v: 0.0 for v in nodes}
    for step in range(max_iter):
        nxt = {v: rank[v] + messages[v] for v in nodes}
        messages = {v: 0.0 for v in nodes}
        for u in nodes:
            succ = G.succ[u] if G.is_directed() else G[u]
            total = sum(d.get("weight", 1) for d in succ.values()) + loops if weighted else 1.0
            if loops:
                messages[u] += loops * nxt[u] / total
            for v, d in succ.items():
                messages[v] += nxt[u] * (d.get("weight", 1) / total if weighted else 1.0)
        norm = math.sqrt(sum(x * x for x in nxt.values()))
        new = {v: nxt[v] / norm for v in nodes}
        converged = all(abs(new[v] - rank[v]) <= tol for v in nodes)
        rank = new
        if step > 0 and converged:
            return rank, True, step + 1
    return rank, False, max_iter


SINK = "the sink"


def gds_projected(G: nx.Graph, weight: str | None = "weight") -> nx.DiGraph:
    """The graph that reports/gds.py's eigenvector run reads: every tie of G as arcs (both ways when
    undirected) of weight ``weight`` (1 when None), a SELF loop of weight 1 on every node, and from
    every node whose outgoing weight is below the largest an arc to the sink carrying the
    difference: every node but the sink sends the same total, so GDS's weighted iteration is
    power iteration on (A + I) / c, whose sums never grow."""
    arcs = list(G.edges(data=True))
    if not G.is_directed():
        arcs += [(v, u, d) for u, v, d in arcs]
    H = nx.DiGraph()
    H.add_nodes_from(G)
    H.add_weighted_edges_from((u, v, d.get(weight, 1) if weight else 1) for u, v, d in arcs)
    strength = {u: H.out_degree(u, weight="weight") for u in G}
    H.add_weighted_edges_from((u, u, 1) for u in G)
    top = max(strength.values(), default=0)
    H.add_weighted_edges_from((u, SINK, top - s) for u, s in strength.items() if s < top)
    return H


def gds_eigenvector_of(G: nx.Graph, weight: str | None = "weight", tol: float = 1e-12):
    """GDS's weighted eigenvector run on :func:`gds_projected`, the sink left out, converted:
    (scores, converged, supersteps)."""
    scores, converged, steps = gds_eigenvector(gds_projected(G, weight), weighted=True, max_iter=100_000, tol=tol)
    return eigenvector_from_gds({v: x for v, x in scores.items() if v != SINK}), converged, steps


def gds_pagerank(G: nx.Graph, weighted: bool = True, d: float = 0.85) -> dict:
    """gds.pageRank: y = (1-d) + d * sum over in-neighbours u of y_u * w_uv / W_u, with no
    redistribution of the rank of nodes without outgoing relationships (solved exactly)."""
    nodes = list(G)
    idx = {n: i for i, n in enumerate(nodes)}
    P = np.zeros((len(nodes), len(nodes)))
    for u in nodes:
        succ = G.succ[u] if G.is_directed() else G[u]
        total = sum((dd.get("weight", 1) if weighted else 1) for dd in succ.values())
        for v, dd in succ.items():
            P[idx[u], idx[v]] = (dd.get("weight", 1) if weighted else 1) / total
    y = np.linalg.solve(np.eye(len(nodes)) - d * P.T, (1 - d) * np.ones(len(nodes)))
    return {n: float(y[idx[n]]) for n in nodes}


def _weighted(G: nx.Graph, seed: int = 0) -> nx.Graph:
    rng = np.random.default_rng(seed)
    H = G.copy()
    for u, v in H.edges:
        H.edges[u, v]["weight"] = int(rng.integers(1, 4))
    return H


def _directed_with_sinks() -> nx.DiGraph:
    G = nx.gnp_random_graph(30, 0.08, seed=5, directed=True)
    G.add_nodes_from(["isolate-1", "isolate-2"])
    G.add_edge(0, "sink")
    return G


GRAPHS = {
    "florentine": nx.florentine_families_graph,
    "karate": nx.karate_club_graph,
    "tree (bipartite)": lambda: nx.balanced_tree(2, 3),
    "star (bipartite)": lambda: nx.star_graph(6),
    "disconnected+isolates": lambda: nx.compose(nx.disjoint_union(nx.path_graph(5), nx.star_graph(4)),
                                                nx.empty_graph(range(100, 103))),
    "directed+sinks": _directed_with_sinks,
    "gnp-directed": lambda: nx.gnp_random_graph(40, 0.08, seed=3, directed=True),
}


def _same(a: dict, b: dict, tol: float) -> None:
    assert set(a) == set(b)
    for n in a:
        assert a[n] == pytest.approx(b[n], abs=tol, nan_ok=True), n


# -- the conversions ----------------------------------------------------------------------
def test_reference_betweenness_matches_gds_documented_example():
    edges = [("Alice", "Carol"), ("Bob", "Carol"), ("Carol", "Dan"), ("Carol", "Eve"), ("Dan", "Frank"),
             ("Eve", "Frank"), ("Frank", "Gale")]
    assert gds_betweenness(nx.DiGraph(edges))["Carol"] == 8.0  # GDS docs, directed
    assert gds_betweenness(nx.Graph(edges))["Carol"] == 9.5  # GDS docs, UNDIRECTED orientation
    assert gds_betweenness(nx.Graph(edges))["Frank"] == 5.5


def test_reference_closeness_matches_gds_documented_example():
    # GDS docs: A-B-C-D-E linked both ways; default (non-WF) closeness of C is 0.6667, of A 0.4
    G = nx.DiGraph([(a, b) for a, b in zip("ABCD", "BCDE")] + [(b, a) for a, b in zip("ABCD", "BCDE")])
    wf = gds_closeness_wf(G)  # connected: the WF factor is 1
    assert wf["C"] == pytest.approx(0.6666666666666666) and wf["A"] == pytest.approx(0.4)


def test_reference_eigenvector_matches_gds_documented_example():
    edges = [("Home", "About"), ("Home", "Links"), ("Home", "Product"), ("About", "Home"), ("Product", "Home"),
             ("A", "Home"), ("B", "Home"), ("C", "Home"), ("D", "Home"), ("Links", "Home"), ("Links", "A"),
             ("Links", "B"), ("Links", "C"), ("Links", "D")]
    scores, converged, steps = gds_eigenvector(nx.DiGraph(edges), max_iter=20, tol=1e-7)
    assert not converged and steps == 20  # GDS docs: ranIterations 20
    assert scores["Home"] == pytest.approx(0.7465574981728249, abs=1e-15)  # GDS docs, stream example
    assert scores["A"] == pytest.approx(0.15484062876886298, abs=1e-15)
    scores, converged, _ = gds_eigenvector(nx.DiGraph(edges), max_iter=20, tol=0.1)
    assert converged and scores["Home"] == pytest.approx(0.7108273818583551, abs=1e-15)  # docs, tolerance 0.1
    # weighted (the docs' weights sum to 1 per node, so this is the same as unweighted there)
    converged_scores, _, _ = gds_eigenvector(nx.DiGraph(edges), max_iter=1000, tol=1e-9)
    assert converged_scores["Home"] == pytest.approx(
        nx.eigenvector_centrality(nx.DiGraph(edges), max_iter=1000, tol=1e-10)["Home"], abs=1e-8)


@pytest.mark.parametrize("name", list(GRAPHS))
def test_degree_conversion(name):
    G = GRAPHS[name]()
    n = len(G)
    if G.is_directed():
        out_c, in_c = gds_degree(G, "NATURAL"), gds_degree(G, "REVERSE")
        _same(degree_from_gds({v: out_c[v] + in_c[v] for v in G}, n), nx.degree_centrality(G), 1e-12)
        _same(degree_from_gds(in_c, n), nx.in_degree_centrality(G), 1e-12)
        _same(degree_from_gds(out_c, n), nx.out_degree_centrality(G), 1e-12)
    else:
        _same(degree_from_gds(gds_degree(G), n), nx.degree_centrality(G), 1e-12)


@pytest.mark.parametrize("name", list(GRAPHS))
def test_betweenness_conversion(name):
    G = GRAPHS[name]()
    _same(betweenness_from_gds(gds_betweenness(G), len(G), G.is_directed()), nx.betweenness_centrality(G), 1e-12)


def test_betweenness_conversion_small_and_sampled():
    for G in (nx.empty_graph(1), nx.path_graph(2), nx.DiGraph([(0, 1)]), nx.path_graph(3)):
        _same(betweenness_from_gds(gds_betweenness(G), len(G), G.is_directed()), nx.betweenness_centrality(G), 1e-12)
    # a sample of k sources: networkx extrapolates by n/k, and so does the conversion
    G = nx.karate_club_graph()
    raw_k = nx.betweenness_centrality(G, k=10, normalized=False, seed=4)  # raw sums are scaled n/k by networkx
    raw_sum = {v: s * 10 / len(G) for v, s in raw_k.items()}  # what GDS would return: the plain sum
    _same(betweenness_from_gds(raw_sum, len(G), False, sampled=10),
          nx.betweenness_centrality(G, k=10, seed=4), 1e-12)


@pytest.mark.parametrize("name", list(GRAPHS))
def test_closeness_conversion(name):
    G = GRAPHS[name]()
    _same(closeness_from_gds(gds_closeness_wf(G)), nx.closeness_centrality(G), 1e-12)


def test_closeness_refuses_values_without_wasserman_faust():
    with pytest.raises(ValueError, match="useWassermanFaust"):
        closeness_from_gds({"a": 2.5})


def _paw_triangle_isolates() -> nx.Graph:
    """The shape of the sample's logistics projection: a paw (a triangle with a pendant) beside
    a triangle, and isolates. A + I has leading eigenvalues 3.17 (paw) and 3 (triangle)."""
    G = nx.Graph([(0, 1), (1, 2), (2, 0), (0, 3), (10, 11), (11, 12), (12, 10)])
    G.add_nodes_from(range(20, 30))
    return G


GRAPHS["paw+triangle+isolates"] = _paw_triangle_isolates


def _exact(G: nx.Graph, weight: str | None = "weight") -> dict:
    """networkx's eigenvector centrality run with tol=1e-12 (the networkx report runs it at its
    default, good to about 1e-6)."""
    return nx.eigenvector_centrality(G, weight=weight, tol=1e-12, max_iter=100_000)


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize("weighted", [False, True])
def test_eigenvector_conversion(name, weighted):
    """On the projected graph with its SELF loops and sink, GDS's weighted run is power iteration
    on (A + I) / c from 1/n: networkx's vector (raw weights when weighted), within 1e-6 of
    networkx at tol=1e-12, connected or not."""
    G = _weighted(GRAPHS[name]()) if weighted else GRAPHS[name]()
    scores, converged, steps = gds_eigenvector_of(G, "weight" if weighted else None)
    assert converged
    _same(scores, _exact(G, "weight" if weighted else None), 1e-6)


def test_eigenvector_on_a_or_a_plus_i_overflows_on_the_logistics_shape():
    """Why the sink: GDS sends each node's *unnormalised* sum, so on A + I (a SELF loop, no
    weights) the sums grow as 4.17^k (3.17^k with one loop) and their squares overflow after
    about 250 supersteps -- before the triangle's share, shrinking as (3/3.17)^k, is below the
    tolerance. GDS then reports convergence on a vector of zeros (the live GDS 2.13.9 did on the
    sample's logistics graph, TIE and SELF without a weight property, tolerance 1e-10: converged
    at superstep 310, all 18 scores 0), which the conversion refuses: NaN, never a wrong vector.
    Scaled by the sink the sums stay bounded and the run converges to networkx's vector."""
    G = _paw_triangle_isolates()
    for loops in (1, 2):  # one SELF loop per node; two if an undirected loop is stored both ways
        scores, converged, steps = gds_eigenvector(G, max_iter=10_000, tol=1e-10, loops=loops)
        assert converged and 240 <= steps <= 330 and set(scores.values()) == {0.0}, (loops, steps)
        assert all(math.isnan(v) for v in eigenvector_from_gds(scores).values())
    scores, converged, steps = gds_eigenvector_of(G, None, tol=1e-10)
    assert converged and steps > 330
    _same(scores, _exact(G, None), 1e-8)
    assert max(scores[v] for v in (10, 11, 12)) < 1e-8 < min(scores[v] for v in (0, 1, 2, 3))


@pytest.mark.parametrize("make", [lambda: nx.star_graph(6), lambda: nx.path_graph(7), lambda: nx.balanced_tree(2, 3)])
def test_eigenvector_without_loops_is_not_networkx_on_bipartite_graphs(make):
    """Why the projection adds SELF loops: GDS alone iterates on A, which oscillates on a
    bipartite graph: not converged after 20 iterations (GDS's default), and after 1000 the
    unnormalised sums have overflowed -- which the conversion refuses (NaN), never a wrong vector."""
    G = make()
    assert not gds_eigenvector(G, max_iter=20, tol=EIGENVECTOR_TOL)[1]
    scores, _, _ = gds_eigenvector(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL)
    assert all(math.isnan(v) for v in eigenvector_from_gds(scores).values())


def test_eigenvector_weighted_differs_from_networkx_unless_weights_are_one():
    """Why not GDS's own weights: it divides each node's outgoing weights by their sum (a random
    walk), networkx uses them raw; only when every node sends the same total (the sink's doing)
    are the two the same vector."""
    G = _weighted(nx.karate_club_graph())
    nx_w = nx.eigenvector_centrality(G, max_iter=1000, tol=1e-6, weight="weight")
    gds_w, _, _ = gds_eigenvector(G, weighted=True, loops=1)
    assert max(abs(eigenvector_from_gds(gds_w)[n] - nx_w[n]) for n in G) > 1e-2  # not the same measure
    _same(gds_eigenvector_of(G)[0], _exact(G), 1e-6)


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize("weighted", [False, True])
def test_pagerank_conversion(name, weighted):
    G = GRAPHS[name]()
    if weighted:
        G = _weighted(G)
    raw = gds_pagerank(G, weighted=weighted)
    converted = pagerank_from_gds(raw)
    assert math.fsum(converted.values()) == pytest.approx(1.0)
    _same(converted, nx.pagerank(G, weight="weight" if weighted else None, tol=1e-12, max_iter=1000), 1e-9)


def test_community_numbering_is_intelgraphs():
    G = nx.karate_club_graph()
    ours = community_ids(G, seed=3)
    parts = nx.community.louvain_communities(G, seed=3, weight="weight")
    gds_ids = {n: 1000 - 7 * i for i, p in enumerate(parts) for n in p}  # arbitrary GDS ids
    assert communities_from_gds(gds_ids) == ours
    # equal sizes: the community with the smaller smallest id comes first
    assert communities_from_gds({"b": 5, "a": 9, "c": 9, "d": 5}) == {"a": 0, "c": 0, "b": 1, "d": 1}


# -- the statements -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def gds_lint():
    schema = load_schema()
    statements = gds_lint_statements(schema)
    broken = [
        Statement("misspelt procedure", "CALL gds.degre.stream($graphName) YIELD nodeId, score RETURN nodeId"),
        Statement("wrong yield", "CALL gds.pageRank.stream($graphName) YIELD nodeId, rank RETURN nodeId, rank"),
        Statement("too many arguments", "CALL gds.graph.drop($graphName, false, 'neo4j', '', 1) YIELD graphName "
                                        "RETURN graphName"),
    ]
    allowed = lint_statements([*statements, *broken], vocabulary(schema), allow=["gds"])
    plain = lint_statements([Statement(n, t) for n, t in gds_statements("actors", schema)], vocabulary(schema))
    return statements, broken, allowed, plain


@pytest.mark.slow  # the analyser under Node (the gds_lint fixture): over a minute
def test_every_gds_statement_passes_the_analyser(gds_lint):
    statements, broken, diagnostics, _ = gds_lint
    mine = {s.name for s in statements}
    errors = [d for d in diagnostics if d.is_error and d.name in mine]
    for d in diagnostics:
        if not d.is_error and d.name in mine:
            warnings.warn(str(d), CypherLintWarning, stacklevel=1)
    print(f"\n{len(statements)} GDS statements checked by Neo4j's analyser (gds allowed): {len(errors)} error(s), "
          f"{sum(not d.is_error and d.name in mine for d in diagnostics)} warning(s)")
    assert len(statements) >= 20
    assert not errors, "Neo4j's analyser rejects:\n" + "\n".join(map(str, errors))
    assert not [d for d in diagnostics if d.name in mine], "warnings:\n" + "\n".join(map(str, diagnostics))
    # and it does look at GDS calls: broken ones fail even with gds allowed
    assert {d.name for d in diagnostics if d.is_error} == {s.name for s in broken}


@pytest.mark.slow  # the analyser under Node (the gds_lint fixture): over a minute
def test_gds_statements_need_gds_allowed(gds_lint):
    _, _, _, plain = gds_lint
    failed = {d.name for d in plain if d.is_error}
    names = [n for n, _ in gds_statements("actors")]
    assert failed == {n for n in names if n != "gds nodes"}  # the node list is plain Cypher


def test_no_gds_statement_is_a_plain_literal():
    """intelgraph.cypher_lint lints plain string literals without `gds` allowed; these statements
    must reach the analyser only through gds_lint_statements()."""
    assert not [s for s in literal_statements() if s.file and s.file.endswith("reports/gds.py")]


def test_labels_and_types_come_from_the_schema_backtick_quoted():
    schema = load_schema()
    known = set(schema.all_labels()) | set(schema.relationship_types) | {schema.id_property, "name"}
    for s in gds_lint_statements(schema):
        text = re.sub(r"'[^']*'", "''", s.text)  # string literals ('NATURAL', '*', 'weight')
        assert not re.findall(r"[:|][A-Za-z_]", text), s.name  # every label and type is quoted
        assert set(re.findall(r"`([^`]+)`", text)) <= known, s.name
        assert "$graphName" in s.text or s.name.startswith(("gds version", "gds nodes"))


def test_statement_shapes():
    undirected = dict(gds_statements("actors", undirected=True))
    directed = dict(gds_statements("actors"))
    assert "undirectedRelationshipTypes: ['TIE']" in undirected["gds project"]
    assert "undirectedRelationshipTypes" not in directed["gds project"]
    assert "in_degree" not in " ".join(undirected) and "orientation: 'REVERSE'" in directed["gds in_degree"]
    assert "useWassermanFaust: true" in directed["gds closeness"]
    assert "concurrency: 1" in directed["gds louvain"]
    assert "relationshipWeightProperty" not in directed["gds betweenness"]
    assert "relationshipWeightProperty" not in dict(gds_statements("actors", weighted=False))["gds pagerank"]
    assert "samplingSize: $samplingSize" in dict(gds_statements("actors", betweenness_k=5))["gds betweenness"]
    assert list(directed)[:3] == ["gds version", "gds nodes", "gds project"] and list(directed)[-1] == "gds drop"
    assert "via" not in "".join(dict(gds_statements("social")).values())  # no `via`: no shared-node branch
    assert "collect(x) AS members" in directed["gds project"]


def test_unknown_names_are_refused():
    schema = load_schema()
    bad = ProjectionSpec(name="bad", description="", node_kinds=("Actor",), relationship_types=("NOT_A_TYPE",),
                         via={}, symmetric_types=())
    with pytest.raises(ValueError, match="NOT_A_TYPE"):
        gds_statements(bad, schema)


# -- the projection's Cypher builds networkx's graph ----------------------------------------
def _edge_map(rows, directed):
    nodes, edges = set(), {}
    for source, target, weight in rows:
        nodes.add(source)
        if target == source:  # the row that brings a node in (its SELF loop)
            assert weight == 0
            continue
        nodes.add(target)
        key = (source, target) if directed else tuple(sorted((source, target)))
        assert key not in edges, f"two rows for the tie {key}"
        edges[key] = weight
    return nodes, edges


def _assert_same_graph(store, projection, undirected):
    proj = project(store, projection, undirected=undirected)
    G = proj.graph
    rows = store.read(ties_query(proj.spec, store.schema, directed=proj.directed, scoped_call=False)).rows
    nodes, edges = _edge_map(rows, proj.directed)
    assert nodes == set(G.nodes)
    expected = {((u, v) if proj.directed else tuple(sorted((u, v)))): d["weight"] for u, v, d in G.edges(data=True)}
    assert edges == expected
    cypher, params = nodes_query(proj.spec, store.schema)
    meta = {nid: (name, kind) for nid, name, kind in store.read(cypher, params).rows}
    assert meta == {n: (G.nodes[n]["name"], G.nodes[n]["kind"]) for n in G}
    return proj


@pytest.mark.parametrize("undirected", [False, True], ids=["as-declared", "undirected"])
def test_projection_cypher_builds_networkx_graph_on_sample(sample_store, undirected):
    for projection in sample_store.schema.projections:
        _assert_same_graph(sample_store, projection, undirected)


TRICKY = """
CREATE (a:Entity:Actor:Organisation {id: 'organisation:a', name: 'A'}),
       (b:Entity:Actor:ArmedGroup {id: 'armedgroup:b', name: 'B'}),
       (c:Entity:Actor:Place:Country {id: 'country:c', name: 'C'}),
       (d:Entity:Actor:Person {id: 'person:d', name: 'D'}),
       (e:Entity:Actor:Person {id: 'person:e', name: 'E'}),
       (x:Entity:Place:City {id: 'city:x', name: 'X'}),
       (s:Entity:Shipment {id: 'shipment:s', name: 'S'}),
       (t:Entity:Shipment {id: 'shipment:t', name: 'T'}),
       (a)-[:SUPPORTS {id: 'r01'}]->(b), (a)-[:SUPPORTS {id: 'r02'}]->(b), (b)-[:OPPOSES {id: 'r03'}]->(a),
       (a)-[:SUPPORTS {id: 'r04'}]->(a), (c)-[:ALLIED_WITH {id: 'r05'}]->(b), (b)-[:ASSOCIATED_WITH {id: 'r06'}]->(c),
       (d)-[:MEMBER_OF {id: 'r07'}]->(a), (a)-[:BASED_IN {id: 'r08'}]->(x), (c)-[:BORDERS {id: 'r09'}]->(x),
       (a)-[:SENT {id: 'r10'}]->(s), (a)-[:HANDLED {id: 'r11'}]->(s), (b)-[:HANDLED {id: 'r12'}]->(s),
       (c)-[:RECEIVED {id: 'r13'}]->(s), (b)-[:SENT {id: 'r14'}]->(t), (d)-[:RECEIVED {id: 'r15'}]->(t),
       (a)-[:SENT {id: 'r16'}]->(t)
"""


@pytest.mark.parametrize("undirected", [False, True], ids=["as-declared", "undirected"])
def test_projection_cypher_self_loops_parallel_ties_isolates(store, undirected):
    """Parallel and opposite relationships, a self-loop, an isolate, a member joined twice to the
    same shipment, pairs sharing two shipments, and a Country that is both Actor and Place."""
    store.write(TRICKY)
    for projection in store.schema.projections:
        proj = _assert_same_graph(store, projection, undirected)
        if projection == "actors":
            assert "person:e" in proj.graph and proj.graph.degree("person:e") == 0
            assert proj.stats["self_loops_dropped"] == 1


# -- gds_measures against the live Neo4j with GDS (tools/neo4j-local.sh) ----------------------
@pytest.fixture(scope="module")
def gds_store(request, neo4j_settings):  # named, so that INTELGRAPH_TEST_ENGINES=falkordb deselects its tests
    """The tests' live Neo4j (GDS 2.13 loaded by tools/neo4j-local.sh) holding the sample story."""
    from conftest import open_neo4j, wipe_neo4j
    from intelgraph.api import load_paths

    st = open_neo4j(request, timeout=300)
    load_paths(st, [], sample=True)
    yield st
    wipe_neo4j(st)
    st.close()


def _gds_graphs(store) -> list[str]:
    return [r[0] for r in store.read("CALL gds.graph.list() YIELD graphName RETURN graphName").rows]


def _exact_both(G: nx.Graph) -> dict:
    """PageRank and eigenvector centrality as networkx computes them with tol=1e-12."""
    return {"pagerank": nx.pagerank(G, weight="weight", tol=1e-12, max_iter=100_000), "eigenvector": _exact(G)}


def _check_live(store, projection: str, undirected: bool) -> nx.Graph:
    """Same nodes; degree, betweenness and closeness within 1e-9 of the networkx report's;
    PageRank and eigenvector (weighted by the collapsed-tie counts) within 1e-6 of networkx's at
    tol=1e-12 -- connected or not. Returns the networkx graph."""
    notes, queries, info = [], [], {}
    nodes, measures = gds_measures(store, projection, undirected=undirected, seed=0, notes=notes,
                                   queries=queries, info=info)
    proj = project(store, projection, undirected=undirected)
    G = proj.graph
    expected = compute_measures(G, seed=0)
    assert list(measures) == list(expected)
    assert nodes == {n: {"name": G.nodes[n]["name"], "kind": G.nodes[n]["kind"]} for n in sorted(G, key=str)}
    for m in ("degree", "in_degree", "out_degree", "betweenness", "closeness"):
        if m in expected:
            _same(measures[m], expected[m], 1e-9)
    exact = _exact_both(G)
    _same(measures["pagerank"], exact["pagerank"], 1e-6)
    _same(measures["eigenvector"], exact["eigenvector"], 1e-6)
    assert not [n for n in notes if "Use PageRank" in n], notes  # the eigenvector column is not left empty
    # Louvain: GDS's own partition of the same nodes, numbered by size
    community = measures["community"]
    assert set(community) == set(G)
    sizes = [sum(1 for v in community.values() if v == c) for c in range(max(community.values()) + 1)]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) > 0
    assert info["directed"] == proj.directed and info["node_count"] == len(G)
    assert info["gds_version"].startswith("2.13") and any(f"Graph Data Science {info['gds_version']}" in n
                                                          for n in notes)
    assert info["ties"] == G.number_of_edges()  # arcs when directed: symmetric ties count twice
    assert [q["purpose"] for q in queries][:3] == ["gds version", "nodes", "gds project"]
    assert info["graph_name"] not in _gds_graphs(store)  # dropped
    return G


def _connected(G: nx.Graph) -> bool:
    return nx.is_weakly_connected(G) if G.is_directed() else nx.is_connected(G)


@pytest.mark.parametrize("projection", list(load_schema().projections))
@pytest.mark.parametrize("undirected", [False, True], ids=["as-declared", "undirected"])
def test_live_gds_measures_are_networkx_measures(gds_store, projection, undirected):
    """Every projection of the sample, as declared and undirected; the logistics projection is a
    triangle beside the Iraq-Iran cluster, and isolates."""
    G = _check_live(gds_store, projection, undirected)
    if projection == "logistics":
        assert not _connected(G) and sum(1 for c in nx.connected_components(G.to_undirected()) if len(c) > 1) >= 2


def test_live_weighted_eigenvector_is_networkx_raw_weights(gds_store):
    """The sample's actors have ties of weight up to 12: the run on the weights (with the sink's
    slack) is networkx's raw-weight vector; on the tie counts, networkx's unweighted vector."""
    info, info_unweighted = {}, {}
    _, weighted = gds_measures(gds_store, "actors", undirected=True, info=info)
    assert info["max_weight"] > 1 and info["parameters"]["eigenvector"]["relationshipWeightProperty"] == "weight"
    _, unweighted = gds_measures(gds_store, "actors", undirected=True, weighted=False, info=info_unweighted)
    assert info_unweighted["parameters"]["eigenvector"]["relationshipWeightProperty"] == "unweighted"
    G = project(gds_store, "actors", undirected=True).graph
    _same(weighted["eigenvector"], _exact(G), 1e-6)
    _same(unweighted["eigenvector"], nx.eigenvector_centrality(G, weight=None, tol=1e-12, max_iter=100_000), 1e-6)
    _same(unweighted["pagerank"], nx.pagerank(G, weight=None, tol=1e-12, max_iter=100_000), 1e-6)
    assert max(abs(weighted["eigenvector"][n] - unweighted["eigenvector"][n]) for n in G) > 1e-3


def test_live_gds_report_equals_the_networkx_report(gds_store, neo4j_settings, tmp_path):
    """The whole command: `report centrality --engine gds` and the networkx report on the same
    Neo4j write centrality.csv with the same nodes and, column by column, the same numbers."""
    import csv
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).parent / "intelgraph")
    uri, user, password = neo4j_settings
    env = {**os.environ, "INTELGRAPH_ENGINE": "neo4j", "NEO4J_URI": uri, "NEO4J_USER": user,
           "NEO4J_PASSWORD": password}

    def report(*extra: str) -> dict:
        out = tmp_path / ("gds" if extra else "nx")
        res = subprocess.run([exe, "--timeout", "300", "report", "centrality", "--projection", "actors", "--out",
                              str(out), *extra], env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr
        with open(out / "centrality.csv", encoding="utf-8") as fh:
            return {row["id"]: row for row in csv.DictReader(fh)}

    gds, ref = report("--compute", "gds"), report()
    assert list(gds) == list(ref)
    G = project(gds_store, "actors").graph
    exact = _exact_both(G)
    for nid, row in gds.items():
        for col in ("degree", "in_degree", "out_degree", "betweenness", "closeness"):
            assert float(row[col]) == pytest.approx(float(ref[nid][col]), abs=1e-9), (nid, col)
        for col in ("pagerank", "eigenvector"):
            assert float(row[col]) == pytest.approx(exact[col][nid], abs=1e-6), (nid, col)
            assert float(ref[nid][col]) == pytest.approx(exact[col][nid], abs=1e-5), (nid, col)  # nx defaults


def test_live_gds_graph_is_dropped_when_an_algorithm_fails(gds_store, monkeypatch):
    """A statement that fails on the real server (here: the betweenness call, given a config key
    GDS refuses) still drops the projected graph."""
    import intelgraph.reports.gds as gds_module

    original = gds_module._stream

    def broken(proc, entries, key, value="score", but_not=None):
        return original(proc, [*entries, "noSuchKey: 1"] if proc == "betweenness" else entries, key, value, but_not)

    monkeypatch.setattr(gds_module, "_stream", broken)
    info = {}
    with pytest.raises(StoreError, match="noSuchKey"):
        gds_measures(gds_store, "social", info=info)
    assert info["graph_name"] not in _gds_graphs(gds_store)


def test_unknown_projection(gds_store):
    from intelgraph.reports.projection import UnknownProjection

    with pytest.raises(UnknownProjection):
        gds_measures(gds_store, "nope")
    assert projection_spec("actors").name == "actors"


# -- errors ------------------------------------------------------------------------------
def test_not_neo4j_is_a_clear_error(store):
    with pytest.raises(GdsUnavailable) as info:
        gds_measures(store, "actors")
    err = info.value
    assert isinstance(err, IntelgraphError) and isinstance(err, StoreError)
    assert "'falkordb'" in str(err) and "Neo4j" in str(err)
    assert "INTELGRAPH_ENGINE=neo4j" in err.hint and "--compute gds" in err.hint
    assert "hint:" in err.message()
    with pytest.raises(GdsUnavailable):
        gds_version(store)


def test_missing_plugin_is_a_clear_error(gds_store):
    """The live server has GDS; its answer to a procedure it lacks is what gds_version turns into
    GdsUnavailable. The real refusal, then gds_version on a store whose gds.version is that refusal."""
    with pytest.raises(StoreError, match="ProcedureNotFound") as real:
        gds_store.read("CALL gds.noSuchProcedure()")

    class NoGds(type(gds_store)):  # the live store, as if the plugin were missing
        def read(self, cypher, params=None, timeout=None):
            if "gds.version" in cypher:
                raise StoreError(str(real.value))
            return super().read(cypher, params, timeout)

    no_gds = object.__new__(NoGds)
    no_gds.__dict__.update(gds_store.__dict__)
    with pytest.raises(GdsUnavailable) as info:
        gds_measures(no_gds, "actors")
    assert "no Graph Data Science plugin" in str(info.value) and "ProcedureNotFound" in str(info.value)
    assert "graph-data-science" in info.value.hint and "NEO4J_PLUGINS" in info.value.hint


def test_lost_connection_is_not_reported_as_missing_plugin(neo4j_settings):
    """The connection to the real server drops (a relay between the driver and Bolt is shut
    after the store connected): a ServerError, not 'no GDS plugin'."""
    import socket
    import threading
    from urllib.parse import urlsplit

    from intelgraph.cypher.neo4j_store import Neo4jStore

    uri, user, password = neo4j_settings
    target = urlsplit(uri)
    listener = socket.create_server(("127.0.0.1", 0))
    open_sockets: list[socket.socket] = [listener]

    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass

    def relay() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection((target.hostname, target.port))
            open_sockets.extend([client, server])
            threading.Thread(target=pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=pipe, args=(server, client), daemon=True).start()

    threading.Thread(target=relay, daemon=True).start()
    st = Neo4jStore(f"bolt://127.0.0.1:{listener.getsockname()[1]}", user, password)
    try:
        for sock in open_sockets:  # the line goes dead, and nothing answers a reconnect
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        with pytest.raises(ServerError) as info:
            gds_measures(st, "actors")
        assert not isinstance(info.value, GdsUnavailable)
    finally:
        st.close()


def test_live_gds_on_a_generated_graph(gds_store, tmp_path):
    """Next to last in the module (it replaces the sample): a generated graph of 3,000
    relationships, whose projections are in several parts with isolates; every projection, as
    declared and undirected, equals networkx."""
    from intelgraph.loaders.csv_admin import read_csv_files
    from intelgraph.loaders.generate import generate, iter_files
    from intelgraph.loaders.plan import write_plan

    gds_store.clear()
    generate(tmp_path, 3000, seed=5)
    write_plan(gds_store, read_csv_files(list(iter_files(tmp_path))))
    parts = {}
    for projection in gds_store.schema.projections:
        for undirected in (False, True):
            G = _check_live(gds_store, projection, undirected)
            parts[projection, undirected] = nx.number_connected_components(G.to_undirected())
    assert sum(n > 1 for n in parts.values()) >= 2, parts


def test_gds_measures_empty_projection(gds_store):
    """Last in the module: it empties the database the module's sample lives in."""
    gds_store.clear()
    nodes, measures = gds_measures(gds_store, "actors")
    assert nodes == {} and all(v == {} for v in measures.values())
    assert "in_degree" in measures  # actors has directed types
