"""Centrality measures of a projected graph, with networkx's values: :func:`compute_measures`
(degree, betweenness, closeness, eigenvector, PageRank and Louvain communities), used by the
report (:mod:`intelgraph.reports.centrality`).

Choices (also written into every report):

* **Values are networkx's.** ``degree`` is :func:`networkx.degree_centrality` (``in_degree`` and
  ``out_degree`` are added for a directed projection); ``betweenness`` is exact
  :func:`networkx.betweenness_centrality` (normalized, all sources -- O(nodes x edges));
  ``closeness`` is :func:`networkx.closeness_centrality` (Wasserman--Faust scaling for
  disconnected graphs; on a DiGraph it uses incoming distances); ``pagerank`` is
  :func:`networkx.pagerank` (alpha 0.85). Exact betweenness and closeness are *computed* by a
  compiled kernel (one search per source for both, in threads), sampled ones by igraph in worker
  processes, and eigenvector centrality by networkx's iteration in SciPy
  (:mod:`intelgraph.reports.fast`): the values equal networkx's to ~1e-15, tested against
  networkx; ``backend="networkx"`` computes them with networkx itself.
* **Sampling.** Above ``exact_limit`` nodes (default 20,000) betweenness and closeness are
  estimated from ``sample_k`` nodes (default 1,000) drawn with the seed: betweenness is
  networkx's estimate from those sources, closeness uses them as pivots. The report says so in
  its facts and notes, with standard errors estimated from the sample; ``betweenness_k`` asks for
  sampled betweenness on any graph.
* **Weights.** An edge's ``weight`` counts the relationships (and shared nodes) it collapses.
  PageRank, eigenvector centrality and the communities use it as tie strength (``weight=None``
  turns that off); betweenness and closeness ignore it, because a count of ties is not a
  distance (as a distance, a stronger tie would be a *longer* path).
* **Eigenvector** is :func:`networkx.eigenvector_centrality` -- power iteration on A + I from a
  uniform start, up to 1000 iterations, tolerance 1e-6 -- rather than the ARPACK-based
  ``eigenvector_centrality_numpy``: from the same start it always returns the same bits, and on a
  disconnected graph (or one with several equal leading eigenvalues) it returns one defined
  mixture instead of an arbitrary eigenvector. Like networkx's, the values are converged to that
  tolerance only (about 1e-6 from the true eigenvector; equal to networkx's to ~1e-15). On a
  graph that is not (strongly) connected the values concentrate on the component(s) with the
  largest leading eigenvalue and are near 0 elsewhere; on a directed graph they count incoming
  ties. If the iteration does not converge, the column is left empty (NaN) and the report says so.
  PageRank is likewise networkx's own, converged to its ``tol=1e-6``.
* **Communities**: Louvain — networkx's partition (:func:`networkx.community.louvain_communities`,
  the report's ``seed``), computed by :mod:`intelgraph.reports.louvain`, networkx's algorithm
  with its node-moving loop compiled (0.8 s instead of 4-6 s on 10,000 nodes / 50,000 edges);
  communities are numbered by size (0 = largest), ties broken by their smallest node id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import networkx as nx

from intelgraph.errors import ReportError
from intelgraph.reports import fast, louvain

__all__ = ["compute_measures", "community_ids", "MEASURES", "MEASURE_DOC", "measure_columns", "EIGENVECTOR_MAX_ITER",
           "EIGENVECTOR_TOL", "EXACT_LIMIT", "SAMPLE_K", "BACKENDS"]

EIGENVECTOR_MAX_ITER = 1000
EIGENVECTOR_TOL = 1.0e-6

#: Above this many nodes, betweenness and closeness are estimated from a sample (``exact_limit``).
EXACT_LIMIT = 20_000
#: Nodes sampled above the exact limit: sources for betweenness, pivots for closeness (``sample_k``).
SAMPLE_K = 1_000
#: Implementations of betweenness and closeness (``backend``): see :func:`compute_measures`.
BACKENDS = ("auto", "igraph", "networkx")

#: Every measure compute_measures may return, in column order (``community`` is last).
MEASURES = ("degree", "in_degree", "out_degree", "betweenness", "closeness", "eigenvector", "pagerank")

MEASURE_DOC = {
    "degree": "share of the other nodes a node is tied to (networkx degree_centrality; on a DiGraph "
              "in + out, so up to 2)",
    "in_degree": "share of the other nodes with a tie into the node (in_degree_centrality)",
    "out_degree": "share of the other nodes the node has a tie to (out_degree_centrality)",
    "betweenness": "share of shortest paths between other nodes that pass through the node "
                   "(normalized, unweighted; exact unless the notes say it was sampled)",
    "closeness": "inverse mean distance to the node, scaled by the share of nodes that can reach it "
                 "(Wasserman-Faust; unweighted)",
    "eigenvector": "ties to nodes that are themselves central (power iteration; incoming ties on a DiGraph)",
    "pagerank": "share of time a random walk along ties spends at the node (alpha 0.85)",
    "community": "Louvain community (0 = largest)",
}


def measure_columns(directed: bool) -> list[str]:
    """The measure columns of the CSV for a directed or undirected graph, ``community`` last."""
    cols = [m for m in MEASURES if directed or m not in ("in_degree", "out_degree")]
    return [*cols, "community"]


# -- measures ---------------------------------------------------------------------------------
def compute_measures(G: nx.Graph, seed: int = 0, weight: str | None = "weight",
                     notes: list[str] | None = None, betweenness_k: int | None = None, *,
                     exact_limit: int | None = EXACT_LIMIT, sample_k: int = SAMPLE_K, backend: str = "auto",
                     workers: int | None = None, details: dict[str, Any] | None = None,
                     _defer: bool = False) -> dict[str, dict[Any, Any]]:
    """Centrality measures and communities of ``G``, with networkx's values.

    Betweenness and closeness take the fast path of :mod:`intelgraph.reports.fast` (exact: one
    compiled search per source in threads; sampled: igraph in worker processes; either while this
    process computes the rest); eigenvector centrality is
    networkx's iteration done with SciPy; PageRank, degree and the communities are networkx's
    own. Each value equals networkx's to ~1e-15 (the tests check 1e-9).

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
    seed : int
        Seed of the Louvain community search and of any sample.
    weight : str or None
        Edge attribute used as tie strength by PageRank, eigenvector centrality and Louvain.
        Betweenness and closeness are always unweighted (see the module docstring).
    notes : list, optional
        Receives a sentence for anything the caller should know (e.g. non-convergence, sampling).
    betweenness_k : int, optional
        An int below the node count: estimate betweenness from ``k`` source nodes drawn with
        ``seed`` as networkx draws them (networkx's estimate). None: exact, unless the graph is
        larger than ``exact_limit``.
    exact_limit : int or None
        Above this many nodes, betweenness and closeness are estimated from ``sample_k`` nodes
        drawn with ``seed`` (noted in ``notes`` with standard errors). None: always exact.
    sample_k : int
        Sampled nodes (sources for betweenness, pivots for closeness) above ``exact_limit``.
    backend : {"auto", "igraph", "networkx"}
        ``auto``: on a simple graph, exact values from the compiled kernel (Numba) and sampled
        ones from igraph; networkx when igraph is missing (noted). ``igraph``: igraph for both.
        ``networkx``: the reference implementations (minutes for betweenness beyond ~10^4 edges).
    workers : int, optional
        Threads (compiled kernel) or worker processes (igraph) for betweenness and closeness
        (default: one per core for big graphs, none for small ones).
    details : dict, optional
        Receives how each measure was computed (backend, sample, standard errors) for provenance.

    Returns
    -------
    dict
        measure name -> {node: value}: ``degree`` (plus ``in_degree``/``out_degree`` for a
        DiGraph), ``betweenness``, ``closeness``, ``eigenvector``, ``pagerank`` and
        ``community`` (an int per node). (``_defer=True``, for the report: the pending
        computation, whose ``finish()`` returns the dict once the workers are done.)

    Examples
    --------
    >>> G = nx.florentine_families_graph()
    >>> round(compute_measures(G)["betweenness"]["Medici"], 3)
    0.522
    """
    if backend not in BACKENDS:
        raise ReportError(f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}")
    notes = notes if notes is not None else []
    details = details if details is not None else {}
    n = G.number_of_nodes()
    directed = G.is_directed()
    bk = betweenness_k if betweenness_k is not None and 0 < betweenness_k < n else None
    ck = None
    if sample_k < 1:
        raise ReportError(f"sample_k must be a positive number of nodes, not {sample_k}",
                          hint="give how many nodes the estimate samples: 2 or more")
    # a sample of every other node would cost as much as the exact values
    over = exact_limit is not None and n > exact_limit and 3 <= n and sample_k < n - 1
    if over:
        ck = sample_k
        bk = bk if bk is not None else ck
    missing = fast.available()
    if backend == "igraph" and missing:
        raise ReportError(f"backend 'igraph' was asked for, but {missing}",
                          hint="pip install intelgraph (it depends on igraph) or use backend='auto'")
    simple = not G.is_multigraph() and n >= 3
    if backend == "networkx" or missing:
        sp_backend = "networkx"
    elif backend == "auto" and fast.fused_applies(G, bk, ck):
        sp_backend = fast.FUSED  # exact, directed or not: both measures from one search per source
    else:
        sp_backend = fast.ENGINE
    sp = fast.ShortestPaths(G, betweenness_k=bk, closeness_k=ck, seed=seed, workers=workers,
                            backend=sp_backend) if simple else None  # workers start now

    out: dict[str, dict[Any, Any]] = {"degree": nx.degree_centrality(G)}
    if directed:
        out["in_degree"] = nx.in_degree_centrality(G)
        out["out_degree"] = nx.out_degree_centrality(G)
    out["eigenvector"] = _eigenvector(G, weight, notes, fast_path=backend != "networkx")
    out["pagerank"] = _pagerank(G, weight, notes)
    out["community"] = community_ids(G, seed=seed, weight=weight, details=details)
    details["eigenvector"] = {"function": "networkx.eigenvector_centrality" if backend == "networkx" else
                              "intelgraph.reports.fast.eigenvector (networkx's iteration with SciPy)",
                              "max_iter": EIGENVECTOR_MAX_ITER, "tol": EIGENVECTOR_TOL}
    if missing and backend == "auto" and simple:
        notes.append(f"Betweenness and closeness were computed by networkx, not the fast path ({missing}): same "
                     "values, much slower.")
    pending = _Pending(G, out, sp, notes, details, bk, seed, n, exact_limit, over)
    return pending if _defer else pending.finish()


@dataclass
class _Pending:
    """Measures computed so far, while the workers compute betweenness and closeness."""

    G: nx.Graph
    out: dict[str, dict[Any, Any]]
    sp: fast.ShortestPaths | None
    notes: list[str]
    details: dict[str, Any]
    bk: int | None
    seed: int
    n: int
    exact_limit: int | None
    over: bool

    def finish(self) -> dict[str, dict[Any, Any]]:
        """Wait for betweenness and closeness; return every measure in column order."""
        G, notes, details = self.G, self.notes, self.details
        if self.sp is not None:
            res = self.sp.result()
            between, close = res.betweenness, res.closeness
            details.update(res.info)
            if res.info["worker_errors"]:
                notes.append(f"{len(res.info['worker_errors'])} worker process(es) failed; their share of "
                             "betweenness and closeness was computed in the main process (same values).")
        else:  # a multigraph or fewer than three nodes: networkx as is
            between = (nx.betweenness_centrality(G, k=self.bk, seed=self.seed) if self.bk is not None
                       else nx.betweenness_centrality(G))
            close = nx.closeness_centrality(G)
            details.update({"backend": "networkx", "betweenness": {"exact": self.bk is None, "k": self.bk,
                                                                   "seed": self.seed},
                            "closeness": {"exact": True}})
        notes.extend(_sampling_notes(details, self.n, self.exact_limit, self.over, self.seed))
        measures = {**self.out, "betweenness": between, "closeness": close}
        return {m: measures[m] for m in (*MEASURES, "community") if m in measures}


def _sampling_notes(details: dict[str, Any], n: int, exact_limit: int | None, over: bool, seed: int) -> list[str]:
    b, c = details.get("betweenness", {}), details.get("closeness", {})
    out = []
    if over:
        out.append(f"Betweenness and closeness are estimated, not exact: the graph has {n:,} nodes, more than the "
                   f"exact limit of {exact_limit:,} (exact_limit). They use {c['k']:,} nodes sampled with seed {seed}: "
                   "betweenness is networkx's estimate from those source nodes, closeness uses them as pivots "
                   "(Eppstein-Wang: the share of pivots reaching a node and their mean distance to it).")
    elif not b.get("exact", True):
        out.append(f"Betweenness is estimated from {b['k']:,} sampled source nodes (seed {seed}), not exact "
                   "(networkx's estimate).")
    for name, d in (("betweenness", b), ("closeness", c)):
        se = d.get("standard_error")
        if se and not math.isnan(se["max"]):
            how = f", {d.get('batches')} batches of sources" if name == "betweenness" else ", by the delta method"
            out.append(f"Standard error of the {name} estimates (from the sample{how}): "
                       f"median {se['median']:.2g}, largest {se['max']:.2g}; the top value, {se['top_value']:.4g}, "
                       f"is +/- {se['at_top']:.2g}.")
    return out


def _eigenvector(G: nx.Graph, weight: str | None, notes: list[str], fast_path: bool = True) -> dict[Any, float]:
    if G.number_of_nodes() == 0:
        return {}
    try:
        if fast_path:
            return fast.eigenvector(G, weight=weight, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL)
        return nx.eigenvector_centrality(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL, weight=weight)
    except nx.PowerIterationFailedConvergence:
        notes.append(f"Eigenvector centrality did not converge in {EIGENVECTOR_MAX_ITER} iterations "
                     "(typical of a directed graph without cycles); its column is left empty. Use PageRank.")
        return {n: math.nan for n in G}


def _pagerank(G: nx.Graph, weight: str | None, notes: list[str]) -> dict[Any, float]:
    if G.number_of_nodes() == 0:
        return {}
    try:
        return nx.pagerank(G, weight=weight)
    except nx.PowerIterationFailedConvergence:  # pragma: no cover - PageRank converges on any graph in practice
        notes.append("PageRank did not converge in 100 iterations; its column is left empty.")
        return {n: math.nan for n in G}


def community_ids(G: nx.Graph, seed: int = 0, weight: str | None = "weight",
                  details: dict[str, Any] | None = None) -> dict[Any, int]:
    """Louvain communities as ``{node: id}``, numbered by size (0 = largest), then smallest node id
    (``details["communities"]["modularity"]``: the partition's modularity, as Louvain computed it)."""
    if G.number_of_nodes() == 0:
        return {}
    parts, modularity = louvain.louvain_partition(G, weight=weight, seed=seed)
    if details is not None:
        details["communities"] = {"modularity": modularity}
    ordered = sorted((sorted(map(str, p)), p) for p in parts)
    ordered.sort(key=lambda item: -len(item[1]))  # stable: equal sizes stay in smallest-id order
    return {n: i for i, (_, p) in enumerate(ordered) for n in p}
