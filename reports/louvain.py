"""networkx's Louvain communities, with the node-moving loop compiled (Numba).

:func:`louvain_communities` gives the partition :func:`networkx.community.louvain_communities`
gives, for the same graph, weight, resolution, threshold and seed: it is networkx's algorithm
(networkx 3.x, ``networkx/algorithms/community/louvain.py``) step for step — the same levels,
the same node order drawn from the same random state, neighbour communities weighed in the same
order with the same floating-point operations, the first best gain kept — with the inner loop of
``_one_level`` (pure Python: 3.5-5 of the ~10 seconds of the report on 10,000 nodes / 50,000
edges) done by a compiled kernel over arrays. The graphs of each level and the modularity checks
between levels stay networkx's own code paths.

Simple graphs, undirected and directed (the report's default projection is a DiGraph: networkx's
directed Louvain in pure Python took ~3 minutes of a report on 10,000 nodes / 100,000 arcs on a
busy 2-core machine); multigraphs (and a missing Numba) go to networkx itself. The tests compare the partitions with networkx's on graphs of several shapes.
The kernel is compiled on first use and cached beside this file (``cache=True``) when that
folder is writable (~1 s once).
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - a dependency; without it networkx does the work
    numba = None

__all__ = ["louvain_communities", "louvain_partition", "available"]


def available() -> bool:
    return numba is not None


def louvain_communities(G: nx.Graph, weight: str | None = "weight", resolution: float = 1,
                        threshold: float = 0.0000001, seed: Any = None) -> list[set[Any]]:
    """The final partition of :func:`networkx.community.louvain_communities` (same arguments)."""
    return louvain_partition(G, weight, resolution, threshold, seed)[0]


def louvain_partition(G: nx.Graph, weight: str | None = "weight", resolution: float = 1,
                      threshold: float = 0.0000001, seed: Any = None) -> tuple[list[set[Any]], float]:
    """:func:`louvain_communities` and its modularity — the value networkx's Louvain computed
    for that partition on its last level's graph (equal to :func:`networkx.community.modularity`
    of the partition on ``G`` up to rounding), so the report need not compute it again. NaN for
    a graph without edges."""
    if nx.is_empty(G):
        return [{u} for u in G.nodes()], float("nan")
    if G.is_multigraph() or numba is None:
        parts = nx.community.louvain_communities(G, weight=weight, resolution=resolution, threshold=threshold,
                                                 seed=seed)
        return parts, nx.community.modularity(G, parts, resolution=resolution, weight=weight)
    rng = nx.utils.create_py_random_state(seed)
    modularity = nx.community.modularity
    partition = [{u} for u in G.nodes()]
    mod = modularity(G, partition, resolution=resolution, weight=weight)
    graph = G.__class__()
    graph.add_nodes_from(G)
    graph.add_weighted_edges_from(G.edges(data=weight, default=1))
    m = graph.size(weight="weight")
    partition, inner, improvement = _one_level(graph, m, partition, resolution, rng)
    last = partition
    if not improvement:  # no node moved: the singletons, whose modularity networkx computed first
        return last, mod
    while improvement:
        last = [s.copy() for s in partition]
        new_mod = modularity(graph, inner, resolution=resolution, weight="weight")
        if new_mod - mod <= threshold:
            return last, new_mod
        mod = new_mod
        graph = _gen_graph(graph, inner)
        partition, inner, improvement = _one_level(graph, m, partition, resolution, rng)
    return last, mod


def _neighbours(G: nx.Graph, nodes: list[Any], index: dict[Any, int]) -> tuple[np.ndarray, list[int], list[float]]:
    """networkx's ``nbrs`` of ``_one_level`` as arrays (CSR): per node, its neighbours other than
    itself in the order networkx's dict holds them — on a DiGraph the out-neighbours, then the
    in-neighbours not among them, each weight summed from 0.0 out then in, as networkx sums it."""
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    targets: list[int] = []
    weights: list[float] = []
    directed = G.is_directed()
    for i, u in enumerate(nodes):
        if directed:
            nbrs: dict[Any, float] = {}
            for adj in (G._succ[u], G._pred[u]):
                for v, data in adj.items():
                    if v != u:
                        nbrs[v] = nbrs.get(v, 0.0) + data["weight"]
            pairs: Any = nbrs.items()
        else:
            pairs = ((v, data["weight"]) for v, data in G[u].items() if v != u)
        for v, w in pairs:
            targets.append(index[v])
            weights.append(w)
        indptr[i + 1] = len(targets)
    return indptr, targets, weights


def _one_level(G: nx.Graph, m: float, partition: list[set[Any]], resolution: float,
               rng: Any) -> tuple[list[set[Any]], list[set[Any]], bool]:
    """networkx's ``_one_level``: the moves by :func:`_move_nodes`."""
    nodes = list(G.nodes())
    index = {u: i for i, u in enumerate(nodes)}
    indptr, targets, weights = _neighbours(G, nodes, index)
    rand_nodes = list(G.nodes)
    rng.shuffle(rand_nodes)
    order = np.array([index[u] for u in rand_nodes], dtype=np.int64)
    node2com = np.arange(len(nodes), dtype=np.int64)
    arrays = (indptr, np.array(targets, dtype=np.int64), np.array(weights, dtype=np.float64))
    if G.is_directed():
        ins, outs = dict(G.in_degree(weight="weight")), dict(G.out_degree(weight="weight"))
        d_in = np.array([ins[u] for u in nodes], dtype=np.float64)
        d_out = np.array([outs[u] for u in nodes], dtype=np.float64)
        denom = float(m**2)
    else:
        degrees = dict(G.degree(weight="weight"))
        d_in = d_out = np.array([degrees[u] for u in nodes], dtype=np.float64)
        denom = float(2 * m**2)
    improvement = _move_nodes(*arrays, d_in, d_out, d_in.copy(), d_out.copy(), node2com, order, float(m),
                              float(resolution), denom, G.is_directed())
    # communities in index order, as networkx's lists (with the empty ones filtered out)
    by = np.argsort(node2com, kind="stable")
    cuts = np.flatnonzero(np.diff(node2com[by])) + 1
    new_partition, new_inner = [], []
    for group in np.split(by, cuts):
        members = [nodes[i] for i in group.tolist()]
        new_inner.append(set(members))
        com: set[Any] = set()
        for u in members:
            com.update(G.nodes[u].get("nodes", {u}))
        new_partition.append(com)
    return new_partition, new_inner, bool(improvement)


def _gen_graph(G: nx.Graph, partition: list[set[Any]]) -> nx.Graph:
    """networkx's ``_gen_graph``: one node per community, edge weights summed in edge order."""
    H = G.__class__()
    node2com = {}
    for i, part in enumerate(partition):
        nodes: set[Any] = set()
        for node in part:
            node2com[node] = i
            nodes.update(G.nodes[node].get("nodes", {node}))
        H.add_node(i, nodes=nodes)
    # networkx adds each edge as it meets it (weight = wt + the weight so far); the adjacency's
    # order is the order in which each community pair is first met, so sum first, then add the
    # pairs in that order, each with its sum (the same additions, without one add_edge per edge)
    directed = G.is_directed()
    sums: dict[tuple[int, int], Any] = {}
    first: dict[tuple[int, int], tuple[int, int]] = {}
    for node1, node2, wt in G.edges(data="weight"):
        pair = com1, com2 = node2com[node1], node2com[node2]
        key = pair if directed or com1 <= com2 else (com2, com1)
        if key in sums:
            sums[key] = wt + sums[key]
        else:
            sums[key] = wt + 0
            first[key] = pair
    H.add_edges_from((*first[key], {"weight": w}) for key, w in sums.items())
    return H


def _move_nodes_py(indptr, targets, weights, d_in, d_out, stot_in, stot_out, node2com, order,  # noqa: ANN001
                   m, resolution, denom, directed):
    """The moving phase of ``_one_level`` over arrays (compiled below): ``node2com`` is updated
    in place; returns whether any node moved. Per node, neighbour communities are listed in
    the order networkx's ``defaultdict`` would hold them (its own community appended last when
    no neighbour is in it), and every gain is computed with networkx's operations in its order:
    undirected, ``stot_in`` is networkx's ``Stot``, ``d_in`` the degree, ``denom`` ``2 * m**2``
    (``d_out``, ``stot_out`` unused); directed, in- and out-strength and ``m**2``."""
    n = len(d_in)
    acc = np.zeros(n)
    mark = np.full(n, -1, dtype=np.int64)
    coms = np.empty(n + 1, dtype=np.int64)
    improvement = False
    nb_moves = 1
    stamp = 0
    while nb_moves > 0:
        nb_moves = 0
        for u in order:
            stamp += 1
            best_mod = 0.0
            best_com = node2com[u]
            k = 0
            for j in range(indptr[u], indptr[u + 1]):
                c = node2com[targets[j]]
                if mark[c] != stamp:
                    mark[c] = stamp
                    acc[c] = 0.0
                    coms[k] = c
                    k += 1
                acc[c] += weights[j]
            if mark[best_com] != stamp:  # networkx reads weights2com[best_com]: a 0.0 entry, last
                mark[best_com] = stamp
                acc[best_com] = 0.0
                coms[k] = best_com
                k += 1
            di = d_in[u]
            do = d_out[u]
            stot_in[best_com] -= di
            if directed:
                stot_out[best_com] -= do
                remove_cost = -acc[best_com] / m + resolution * (do * stot_in[best_com] + di * stot_out[best_com]) / denom
            else:
                remove_cost = -acc[best_com] / m + resolution * (stot_in[best_com] * di) / denom
            for i in range(k):
                c = coms[i]
                if directed:
                    gain = remove_cost + acc[c] / m - resolution * (do * stot_in[c] + di * stot_out[c]) / denom
                else:
                    gain = remove_cost + acc[c] / m - resolution * (stot_in[c] * di) / denom
                if gain > best_mod:
                    best_mod = gain
                    best_com = c
            stot_in[best_com] += di
            if directed:
                stot_out[best_com] += do
            if best_com != node2com[u]:
                improvement = True
                nb_moves += 1
                node2com[u] = best_com
    return improvement


_move_nodes = numba.njit(cache=True, nogil=True)(_move_nodes_py) if numba is not None else _move_nodes_py
